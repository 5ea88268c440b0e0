/**
 * Selector normalisation from real-world variants: national and international phone formats,
 * IBANs as printed on statements, e-mail case and IDN domains, document and plate spacing,
 * names with diacritics in either order with dates in three formats, crypto addresses in
 * either case. Every variant of one value yields one canonical string; invalid values are
 * refused with BAD_SELECTOR and a message that does not echo the value.
 */
import { describe, expect, it } from 'vitest'
import { normaliseSelector, selectorInput, SelectorError, SELECTOR_TYPE_NAMES } from '../../protocol/selectors/index.ts'

const same: readonly [string, string, readonly (string | [string, string])[]][] = [
  ['phone', '+4915123456789', ['+49 151 23456789', '+49 (151) 2345-6789', ['0151 2345 6789', 'DE'], ['0049 151 23456789', 'DE'], ['(0151) 23 45 67 89', 'DE']]],
  ['phone', '+442079460958', ['+44 20 7946 0958', ['020 7946 0958', 'GB'], '+44 (0)20 7946 0958']],
  ['phone', '+33612345678', ['+33 6 12 34 56 78', ['06 12 34 56 78', 'FR'], ['06.12.34.56.78', 'FR']]],
  ['iban', 'DE89370400440532013000', [
    'DE89 3704 0044 0532 0130 00',
    'de89370400440532013000',
    'IBAN DE89 3704 0044 0532 0130 00',
    'DE89-3704-0044-0532-0130-00'
  ]],
  ['iban', 'GB29NWBK60161331926819', ['GB29 NWBK 6016 1331 9268 19', 'gb29 nwbk 6016 1331 9268 19']],
  ['email', 'john.doe@example.com', [' John.Doe@Example.COM ', 'JOHN.DOE@EXAMPLE.COM', 'john.doe@example.com.']],
  ['email', 'info@xn--bcher-kva.de', ['info@bücher.de', 'INFO@BÜCHER.DE', 'info@xn--bcher-kva.de']],
  ['document', 'DE:C01X00T47', ['DE:C01X00T47', 'de c01x00t47', 'DE C01X-00T4-7', 'DE: c01x 00t47']],
  ['document', 'FRA:12AB34567', ['FRA 12AB34567', 'fra:12ab 34567']],
  ['vehicle', 'D:MAB1234', ['D M-AB 1234', 'D:M AB 1234', 'd mab1234']],
  ['vehicle', 'S:ABC123', ['S ABC 123', 's:abc-123']],
  ['person', 'jorg muller|1980-02-03', ['Jörg Müller 1980-02-03', 'MÜLLER, Jörg 03.02.1980', 'muller jorg 3/2/1980', 'Jorg  MULLER; 1980-2-3']],
  ['person', 'lukasz zolc|1990-12-31', ['Łukasz Żółć 31.12.1990', 'ZOLC Lukasz 1990-12-31']],
  ['crypto', 'eth:0x52908400098527886e0f7030069857d2e4169ee7', [
    '0x52908400098527886E0F7030069857D2E4169EE7',
    'eth:0x52908400098527886e0f7030069857d2e4169ee7',
    ' 0x52908400098527886e0f7030069857D2E4169EE7 '
  ]],
  ['crypto', 'btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ']],
  ['crypto', 'btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', ['btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', 'BTC: 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2']]
]

describe('selector normalisation', () => {
  for (const [type, canonical, variants] of same) {
    it(`${type}: ${variants.length} variants → ${canonical}`, () => {
      for (const v of variants) {
        const [value, region] = typeof v === 'string' ? [v, undefined] : v
        expect(normaliseSelector(type, value, region === undefined ? undefined : { defaultRegion: region })).toBe(canonical)
      }
    })
  }

  it('folds ß, æ, ø and keeps different people apart', () => {
    expect(normaliseSelector('person', 'Strauß Søren 1970-05-06')).toBe(normaliseSelector('person', 'SOREN STRAUSS 06.05.1970'))
    expect(normaliseSelector('person', 'Jörg Müller 1980-02-03')).not.toBe(normaliseSelector('person', 'Jörg Müller 1980-03-02'))
  })

  const bad: readonly [string, string][] = [
    ['phone', '12345'],
    ['phone', '0151 2345 6789'],
    ['iban', 'DE89 3704 0044 0532 0130 01'],
    ['email', 'no-at-sign'],
    ['email', 'a b@example.com'],
    ['document', 'C01X00T47'],
    ['vehicle', 'D: --'],
    ['person', 'Jörg Müller 1980-02-30'],
    ['person', 'Jörg Müller'],
    ['crypto', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'],
    ['crypto', 'hello'],
    ['shoe-size', '42']
  ]
  for (const [type, value] of bad) {
    it(`refuses ${type} ${JSON.stringify(value)} with BAD_SELECTOR, without echoing it`, () => {
      try {
        normaliseSelector(type, value)
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(SelectorError)
        expect((e as SelectorError).code).toBe('BAD_SELECTOR')
        expect((e as Error).message).not.toContain(value)
      }
    })
  }

  it('separates types inside the OPRF input', () => {
    expect(SELECTOR_TYPE_NAMES).toEqual(['phone', 'iban', 'email', 'document', 'vehicle', 'person', 'crypto'])
    expect(Buffer.from(selectorInput('phone', '+4915123456789')).toString()).toBe('liaison-selector-v1\u0000phone\u0000+4915123456789')
    expect(Buffer.from(selectorInput('phone', 'x')).equals(Buffer.from(selectorInput('email', 'x')))).toBe(false)
  })
})
