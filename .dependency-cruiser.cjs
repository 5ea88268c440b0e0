/**
 * Import-cycle check (issue 18 §2), run by `npm run check` and by test/unit/import-cycles.test.ts.
 *
 * A circle counts type-only imports too: a type import still ties two files' meanings together
 * and is how the largest circle (config, report, api, service, forwarding) hid before. So the
 * cruise reads TypeScript before compilation (tsPreCompilationDeps: true), where
 * `import type` is still visible.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle (type-only imports included). Move the shared type or helper to the folder that owns it.',
      from: {},
      to: { circular: true }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|bench|tmp|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.json'] },
    cache: false
  }
}
