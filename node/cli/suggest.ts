/**
 * "Did you mean …?" for misspelled commands, subcommands and flags: the candidate with the
 * smallest edit distance (fastest-levenshtein), if it is close enough to be a typo — 1 edit for
 * words under 4 letters, 2 under 9, else 3 (a swap of two letters is 2) — or the only candidate the word starts.
 *
 * @module
 */
import { distance } from 'fastest-levenshtein'

export function nearest (word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  const prefixed: string[] = []
  for (const c of candidates) {
    if (c.startsWith(word) && word.length >= 2) prefixed.push(c)
    const d = distance(word, c)
    if (d < bestDistance) { best = c; bestDistance = d }
  }
  if (best != null && bestDistance <= (word.length < 4 ? 1 : word.length < 9 ? 2 : 3)) return best
  return prefixed.length === 1 ? prefixed[0] : undefined
}

/** ` (did you mean X?)`, or nothing. */
export function didYouMean (word: string, candidates: Iterable<string>, prefix = ''): string {
  const hit = nearest(word, candidates)
  return hit == null ? '' : ` (did you mean ${prefix}${hit}?)`
}
