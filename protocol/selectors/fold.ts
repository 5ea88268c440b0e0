/**
 * Text folding shared by the selector normalisations: Unicode NFKD, combining marks removed,
 * the letters NFKD does not decompose spelled out (ß → ss, æ → ae, ø → o, ł → l, đ → d,
 * þ → th, œ → oe, ı → i), lower case.
 *
 * @module
 */

const SPELLED: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  þ: 'th',
  Þ: 'th',
  œ: 'oe',
  Œ: 'oe',
  ı: 'i',
  ð: 'd',
  Ð: 'd'
}

/** Folds diacritics and case: "Müller-Łukasz" → "muller-lukasz". */
export function foldText (value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßẞæÆøØłŁđĐþÞœŒıðÐ]/g, (c) => SPELLED[c] ?? c)
    .toLowerCase()
}
