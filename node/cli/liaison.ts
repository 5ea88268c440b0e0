#!/usr/bin/env node
import { fileURLToPath } from 'node:url'
import { buildProblem } from '../../scripts/build-stamp.ts'
import { main } from './main.ts'

// Compiled (dist/node/cli/liaison.js, what `npm start` and the service run): refuse to run a
// build made from other sources than the checkout holds, rather than run old code silently.
if (import.meta.url.endsWith('.js')) {
  const problem = buildProblem(fileURLToPath(new URL('../../../', import.meta.url)))
  if (problem != null) {
    process.stderr.write(`error BUILD_STALE: ${problem}; run npm run build\n`)
    process.exit(1)
  }
}

process.exitCode = await main(process.argv.slice(2))
