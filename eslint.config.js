import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'tmp/**', 'bench/**', 'data/**', 'dist/**', 'dist.building-*/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error'
    }
  },
  {
    // The line limit dprint formats to (dprint.json lineWidth); dprint cannot break strings and comments, so this catches them.
    files: ['**/*.{ts,tsx,mts,cts}'],
    rules: { 'max-len': ['error', { code: 160 }] }
  },
  {
    files: ['node/cli/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/explicit-module-boundary-types': 'off' }
  },
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-properties': ['error', { object: 'it', property: 'only' }, { object: 'describe', property: 'only' }, { object: 'test', property: 'only' }] }
  }
)
