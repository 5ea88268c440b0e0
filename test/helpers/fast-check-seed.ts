/**
 * One fast-check seed for every property test of a run (vitest setup file, unit project).
 * By default the seed is fixed, so `npm test` — and CI — checks the same cases every time and
 * cannot fail on a case no earlier run tried. `FUZZ_SEED=random npm test` draws a new seed;
 * `FUZZ_SEED=<n>` replays the one a failure printed. Wide random searches: `npm run fuzz`.
 *
 * @module
 */
import fc from 'fast-check'

const DEFAULT_SEED = 20261128
const env = process.env.FUZZ_SEED
const seed = env === undefined || env === '' ? DEFAULT_SEED : env === 'random' ? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) : Number(env)
if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", not ${String(env)}`)
fc.configureGlobal({ seed })
