import { describe, expect, it } from 'vitest'
import { HANDLING_CODES, TLP_LEVELS } from '../../protocol/types.ts'
import { disseminationCodes, forwardRule } from '../../node/forwarding/rules.ts'

/** What each handling code does to a forward of TLP:GREEN content (PROTOCOL.md §10.1). */
const ON_GREEN: Record<string, 'free' | 'grant-required'> = {
  'no-onward-without-consent': 'grant-required',
  'originator-only': 'grant-required',
  'no-judicial-use-without-consent': 'free',
  'no-operational-use-without-consent': 'free',
  'x-eu-restricted': 'grant-required'
}

describe('the third-party rule (forwardRule)', () => {
  it('gives every defined handling code and agency x- codes a rule', () => {
    for (const code of HANDLING_CODES) expect(Object.keys(ON_GREEN), code).toContain(code)
  })

  for (const [code, rule] of Object.entries(ON_GREEN)) {
    it(
      `${code}: ${rule === 'free' ? 'does not block' : 'needs a grant for'} a TLP:CLEAR/GREEN forward; AMBER needs one and RED is never forwardable either ` +
        `way`,
      () => {
        for (const tlp of ['CLEAR', 'GREEN'] as const) expect(forwardRule({ tlp, handling: [code] }), tlp).toBe(rule)
        for (const tlp of ['AMBER', 'AMBER+STRICT'] as const) expect(forwardRule({ tlp, handling: [code] }), tlp).toBe('grant-required')
        expect(forwardRule({ tlp: 'RED', handling: [code] })).toBe('never')
        expect(disseminationCodes([code])).toEqual(rule === 'free' ? [] : [code])
      }
    )
  }

  it('without handling codes follows TLP alone', () => {
    expect(TLP_LEVELS.map(tlp => forwardRule({ tlp, handling: [] }))).toEqual(['free', 'free', 'grant-required', 'grant-required', 'never'])
  })
})
