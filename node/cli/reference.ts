/**
 * The generated CLI documentation: docs/cli.md (help.ts renderReference plus the JSON output
 * of every command) and docs/cli-output.schema.json (a JSON Schema per command output, times
 * as RFC 3339). `npm run docs:cli` writes both; test/unit/cli-commands.test.ts fails when the
 * files in docs/ are out of step with the definitions.
 *
 * @module
 */
import { renderReference } from './help.ts'
import { cliJsonSchema, loadSchemaTools, RFC3339_MS } from './output.ts'
import { outputOf, type CommandSpec } from './spec.ts'

/** Every command line that prints JSON, with its output definition: `peers add`, `send`, … */
export function outputs (specs: CommandSpec[]): Array<{ line: string, output: Exclude<ReturnType<typeof outputOf>, 'none' | undefined> }> {
  const out = []
  for (const spec of specs) {
    const subs = Object.keys(spec.subcommands ?? {})
    for (const sub of subs.length > 0 ? subs : ['']) {
      const o = outputOf(spec, subs.length > 0 ? sub : undefined)
      if (o != null && o !== 'none') out.push({ line: `${spec.name}${sub !== '' ? ' ' + sub : ''}`, output: o })
    }
  }
  return out
}

export async function generateDocs (specs: CommandSpec[]): Promise<{ markdown: string, schemas: string }> {
  await loadSchemaTools()
  const rows = outputs(specs)
  const defs: Record<string, unknown> = {}
  for (const r of rows) defs[r.line] = cliJsonSchema(await r.output.load())
  const markdown = [
    renderReference(specs).trimEnd(),
    '',
    '## JSON output',
    '',
    `With \`--json\` a command prints one JSON document on stdout, in the shape below and nothing else; text is the default. Every time in it is RFC 3339 ` +
    `UTC with milliseconds (\`${RFC3339_MS.source}\`), whatever the node stores (epoch milliseconds for storedAt, purgedAt, …, epoch seconds in ` +
    `checkpoints). "API x" is the local API's response of operation x (docs/api.md, /openapi.json) with that rule applied. The JSON Schema of each is in ` +
    `[cli-output.schema.json](cli-output.schema.json) under \`$defs\`, by command line.`,
    '',
    '| command | prints |',
    '|---|---|',
    ...rows.map(r => `| liaison ${r.line} | ${r.output.name} |`),
    ''
  ].join('\n')
  const schemas = JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'liaison --json outputs', $defs: defs }, null, 2) + '\n'
  return { markdown, schemas }
}
