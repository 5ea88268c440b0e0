/**
 * Writes docs/cli.md and docs/cli-output.schema.json from the CLI's command definitions
 * (node/cli/reference.ts). Run `npm run docs:cli` after changing a command, a flag or an output.
 */
import { writeFile } from 'node:fs/promises'
import { COMMANDS, generateDocs } from '../node/cli/index.ts'

const root = new URL('../', import.meta.url)
const { markdown, schemas } = await generateDocs(COMMANDS)
await writeFile(new URL('docs/cli.md', root), markdown)
await writeFile(new URL('docs/cli-output.schema.json', root), schemas)
process.stdout.write('wrote docs/cli.md and docs/cli-output.schema.json\n')
