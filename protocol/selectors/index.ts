/**
 * Selector types (phone, IBAN, e-mail, document, vehicle, person, crypto-asset address), their
 * documented normalisations and the OPRF input built from a canonical selector.
 *
 * @example
 * ```ts
 * normaliseSelector('phone', '0151 2345 6789', { defaultRegion: 'DE' }) // '+4915123456789'
 * ```
 *
 * @module
 */
export { SelectorError } from './errors.ts'
export { foldText } from './fold.ts'
export { SELECTOR_TYPES, SELECTOR_TYPE_NAMES, normaliseSelector, selectorInput, type SelectorType, type NormaliseOptions } from './types.ts'
