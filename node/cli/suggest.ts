/**
 * "Did you mean …?" for misspelled commands, subcommands and flags: the candidate with the
 * smallest edit distance (fastest-levenshtein), if it is close enough to be a typo — 1 edit for
 * words under 4 letters, 2 under 9, else 3; a swap of two neighbouring letters counts as one — or the only candidate the word starts.
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
    const d = isSwap(word, c) ? 1 : distance(word, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  if (best != null && bestDistance <= (word.length < 4 ? 1 : word.length < 9 ? 2 : 3)) return best
  return prefixed.length === 1 ? prefixed[0] : undefined
}

/** ` (did you mean X?)`, or nothing. */
export function didYouMean (word: string, candidates: Iterable<string>, prefix = ''): string {
  const hit = nearest(word, candidates)
  return hit == null ? '' : ` (did you mean ${prefix}${hit}?)`
}

/** `tpl` for `tlp`: the same letters with two neighbours swapped. */
function isSwap (a: string, b: string): boolean {
  if (a.length !== b.length) return false
  const diff: number[] = []
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i)
  return diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]]
}
