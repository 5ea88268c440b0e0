import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../protocol/errors.ts'
import { compactJson, jsonDataProblem, parseStrictJson, utf8Decode } from '../../protocol/json.ts'
import { MAX_JSON_DEPTH } from '../../protocol/limits.ts'

function schemaError (fn: () => unknown): ProtocolError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError)
    expect((err as ProtocolError).code).toBe('SCHEMA_INVALID')
    return err as ProtocolError
  }
  throw new Error('expected a ProtocolError')
}

const nested = (n: number, open = '[', close = ']'): string => open.repeat(n) + close.repeat(n)

describe('parseStrictJson', () => {
  it('reads the same values as JSON.parse for well-formed documents', () => {
    const docs = [
      '{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
      ' \t\r\n{ "a" : [ 1 , 2 ] } \n',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u00e9\\u20AC\\ud83d\\ude00"',
      '"é€😀 raw non-ASCII"',
      '[0,-0,1.5,-2.25e-3,1E10,1e+2,123456789012345,-9007199254740991,9007199254740991]',
      '[1e308,5e-324,9007199254740993.0,1.7976931348623157e308]',
      '{"":0,"a b":1,"0":2}',
      'null',
      'true',
      'false',
      '0',
      '"x"',
      '[]',
      '{}'
    ]
    for (const doc of docs) expect(parseStrictJson(doc)).toStrictEqual(JSON.parse(doc))
  })

  it('keeps -0 as JSON.parse does', () => {
    expect(Object.is(parseStrictJson('-0'), -0)).toBe(true)
  })

  it('rejects duplicate keys with SCHEMA_INVALID, naming the path', () => {
    expect(schemaError(() => parseStrictJson('{"a":{"b":1,"b":2}}')).message).toMatch(/\$\.a\.b .*duplicate key/)
  })

  it('rejects keys that are duplicates only after escape decoding', () => {
    schemaError(() => parseStrictJson('{"a":1,"\\u0061":2}'))
    schemaError(() => parseStrictJson('{"\\/":1,"/":2}'))
    schemaError(() => parseStrictJson('{"😀":1,"\\ud83d\\ude00":2}'))
  })

  it('reports the UTF-8 byte offset of the error', () => {
    // '{"é":1,' is 7 characters but 8 bytes; the duplicate key starts there.
    expect(schemaError(() => parseStrictJson('{"é":1,"é":2}')).message).toContain('byte 8')
  })

  it('names array indices and odd keys in the path', () => {
    expect(schemaError(() => parseStrictJson('{"a":[0,{"b c":"\\q"}]}')).message).toContain('$.a[1]["b c"]')
  })

  it('accepts nesting up to the default MAX_JSON_DEPTH and rejects one level more', () => {
    expect(MAX_JSON_DEPTH).toBe(32)
    expect(() => parseStrictJson(nested(MAX_JSON_DEPTH))).not.toThrow()
    expect(schemaError(() => parseStrictJson(nested(MAX_JSON_DEPTH + 1))).message).toMatch(/nesting deeper than 32/)
    schemaError(() => parseStrictJson('{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1)))
  })

  it('counts objects and arrays alike against opts.maxDepth', () => {
    expect(parseStrictJson('{"a":[{"b":[]}]}', { maxDepth: 4 })).toEqual({ a: [{ b: [] }] })
    schemaError(() => parseStrictJson('{"a":[{"b":[]}]}', { maxDepth: 3 }))
    expect(parseStrictJson('1', { maxDepth: 0 })).toBe(1)
    schemaError(() => parseStrictJson('[]', { maxDepth: 0 }))
  })

  it('survives very deep input without a stack overflow', () => {
    schemaError(() => parseStrictJson(nested(100_000)))
  })

  it('rejects integer literals outside ±MAX_SAFE_INTEGER', () => {
    schemaError(() => parseStrictJson('9007199254740992'))
    schemaError(() => parseStrictJson('-9007199254740992'))
    schemaError(() => parseStrictJson('[1,123456789012345678901234567890]'))
    expect(parseStrictJson('[9007199254740991,-9007199254740991]')).toEqual([9007199254740991, -9007199254740991])
  })

  it('accepts large numbers written with a fraction or exponent but rejects overflow to Infinity', () => {
    expect(parseStrictJson('9007199254740992.0')).toBe(9007199254740992)
    expect(parseStrictJson('1e20')).toBe(1e20)
    schemaError(() => parseStrictJson('1e309'))
    schemaError(() => parseStrictJson('-1e309'))
  })

  it('rejects escaped lone surrogates', () => {
    expect(schemaError(() => parseStrictJson('"\\ud800"')).message).toMatch(/lone high surrogate/)
    expect(schemaError(() => parseStrictJson('"\\udc00"')).message).toMatch(/lone low surrogate/)
    schemaError(() => parseStrictJson('"\\ud800\\u0041"'))
    schemaError(() => parseStrictJson('"\\ud800\\ud800"'))
    schemaError(() => parseStrictJson('"\\ud800x"'))
    schemaError(() => parseStrictJson('"\\ud800\\n"'))
    schemaError(() => parseStrictJson('"\\udbff"'))
  })

  it('rejects raw lone surrogates in strings and keys', () => {
    schemaError(() => parseStrictJson('"\ud800"'))
    schemaError(() => parseStrictJson('"a\udc00b"'))
    schemaError(() => parseStrictJson('{"\ud800":1}'))
    schemaError(() => parseStrictJson('"\\n\ud800"'))
    expect(parseStrictJson('"\ud83d\ude00"')).toBe('😀')
  })

  it('rejects malformed documents', () => {
    const bad = [
      '',
      ' ',
      '1 2',
      '{} x',
      '[1]]',
      '\ufeff{}',
      '{"a":1}\u0000',
      '01',
      '-01',
      '1.',
      '.5',
      '-',
      '+1',
      '1e',
      '1e+',
      '0x10',
      'NaN',
      'Infinity',
      '-Infinity',
      '[1,]',
      '[,1]',
      '{"a":1,}',
      '{,}',
      '{"a"}',
      '{"a" 1}',
      '{a:1}',
      "{'a':1}",
      '[1 2]',
      '{"a":1 "b":2}',
      '"abc',
      '"\u0001"',
      '"\n"',
      '"\t"',
      '"\\x"',
      '"\\u12G4"',
      '"\\u123"',
      '"\\',
      "'a'",
      'tru',
      'nul',
      'falsey',
      'True',
      'undefined',
      '[',
      '{',
      '{"a":',
      '[1,2'
    ]
    for (const doc of bad) schemaError(() => parseStrictJson(doc))
  })

  it('never lets a "__proto__" key reach the prototype', () => {
    const value = parseStrictJson('{"__proto__":{"polluted":true},"a":{"__proto__":[]}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.hasOwn(value, '__proto__')).toBe(true)
    expect(Object.keys(value)).toEqual(['__proto__', 'a'])
    expect(value.__proto__).toEqual({ polluted: true })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Array.isArray(Object.getPrototypeOf(value.a))).toBe(false)
    schemaError(() => parseStrictJson('{"__proto__":1,"__proto__":2}'))
  })

  it('treats inherited names like "toString" and "constructor" as ordinary keys', () => {
    expect(parseStrictJson('{"toString":1,"constructor":2,"hasOwnProperty":3}')).toEqual({ toString: 1, constructor: 2, hasOwnProperty: 3 })
  })

  it('rejects a fraction or exponent in integerKeys members of the top-level object only', () => {
    const opts = { integerKeys: ['v'] }
    expect(parseStrictJson('{"v":1}', opts)).toEqual({ v: 1 })
    expect(schemaError(() => parseStrictJson('{"v":1.0}', opts)).message).toMatch(/\$\.v .*integer literal/)
    schemaError(() => parseStrictJson('{"v":1e0}', opts))
    schemaError(() => parseStrictJson('{"v":10E-1}', opts))
    expect(parseStrictJson('{"w":1.0,"x":{"v":1.0},"v":"1.0"}', opts)).toEqual({ w: 1, x: { v: 1 }, v: '1.0' })
    expect(parseStrictJson('{"v":1.0}')).toEqual({ v: 1 })
  })

  it('throws TypeError for a non-string argument or a bad maxDepth (caller bugs)', () => {
    expect(() => parseStrictJson(new Uint8Array(2) as unknown as string)).toThrow(TypeError)
    expect(() => parseStrictJson('1', { maxDepth: -1 })).toThrow(TypeError)
  })

  it('agrees with JSON.parse on any JSON.stringify output of JSON data', () => {
    const data = fc.jsonValue({ maxDepth: 8 }).filter(v => jsonDataProblem(v) === undefined)
    fc.assert(
      fc.property(data, fc.constantFrom(undefined, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent)
        expect(parseStrictJson(text)).toStrictEqual(JSON.parse(text))
      }),
      { numRuns: 300 }
    )
  })

  it('agrees with JSON.parse on documents with arbitrary Unicode strings', () => {
    const data = fc.jsonValue({ maxDepth: 4, stringUnit: 'grapheme' }).filter(v => jsonDataProblem(v) === undefined)
    fc.assert(
      fc.property(data, value => {
        const text = JSON.stringify(value)
        expect(parseStrictJson(text)).toStrictEqual(JSON.parse(text))
      }),
      { numRuns: 200 }
    )
  })

  it('throws only ProtocolError on random strings, and agrees with JSON.parse when it accepts', () => {
    const alphabet = fc.constantFrom(...'{}[]:,"\\ntrufalse0123456789-+.eE u/\ud800\udc00é'.split(''))
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: alphabet, maxLength: 40 }))
    fc.assert(
      fc.property(text, s => {
        let value: unknown
        try {
          value = parseStrictJson(s)
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError)
          expect((err as ProtocolError).code).toBe('SCHEMA_INVALID')
          return
        }
        expect(value).toStrictEqual(JSON.parse(s))
      }),
      { numRuns: 300 }
    )
  })

  it('throws only ProtocolError on single-character corruptions of valid documents', () => {
    const corrupted = fc.jsonValue({ maxDepth: 4 }).chain(v => {
      const text = JSON.stringify(v)
      return fc.tuple(fc.constant(text), fc.nat({ max: text.length }), fc.string({ unit: 'binary', maxLength: 2 }), fc.boolean())
    })
    fc.assert(
      fc.property(corrupted, ([text, at, insert, replace]) => {
        const s = text.slice(0, at) + insert + text.slice(replace ? at + 1 : at)
        try {
          parseStrictJson(s)
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError)
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe('utf8Decode', () => {
  it('decodes valid UTF-8, keeping a byte-order mark for the parser to reject', () => {
    expect(utf8Decode(new TextEncoder().encode('{"a":"é€😀"}'))).toBe('{"a":"é€😀"}')
    const withBom = utf8Decode(Uint8Array.of(0xef, 0xbb, 0xbf, 0x31))
    expect(withBom).toBe('\ufeff1')
    schemaError(() => parseStrictJson(withBom))
  })

  it('rejects invalid UTF-8 with SCHEMA_INVALID', () => {
    const bad = [
      [0xff],
      [0x80],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0x61, 0xc3]
    ]
    for (const bytes of bad) schemaError(() => utf8Decode(Uint8Array.from(bytes)))
  })

  it('round-trips any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), s => {
        expect(utf8Decode(new TextEncoder().encode(s))).toBe(s)
      }),
      { numRuns: 200 }
    )
  })

  it('throws TypeError for a non-Uint8Array', () => {
    expect(() => utf8Decode('abc' as unknown as Uint8Array)).toThrow(TypeError)
  })
})

describe('compactJson', () => {
  it('writes compact JSON with keys in insertion order', () => {
    expect(compactJson({ b: 1, a: [true, null, 'x', -1.5], c: { z: {}, y: [] } }))
      .toBe('{"b":1,"a":[true,null,"x",-1.5],"c":{"z":{},"y":[]}}')
  })

  it('escapes strings as JSON.stringify does', () => {
    expect(compactJson({ s: 'a"b\\c\n\u0001é😀' })).toBe('{"s":"a\\"b\\\\c\\n\\u0001é😀"}')
  })

  it('rejects values that are not JSON data with TypeError naming the path', () => {
    const sparse: unknown[] = []
    sparse[1] = 1
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    const bad: unknown[] = [
      undefined,
      { a: undefined },
      [() => 1],
      { n: NaN },
      { n: Infinity },
      { b: 1n },
      { d: new Date(0) },
      { u: new Uint8Array(1) },
      sparse,
      { s: '\ud800' },
      { '\udc00': 1 },
      { n: 2 ** 53 },
      cycle,
      Symbol('x'),
      { m: new Map() }
    ]
    for (const value of bad) expect(() => compactJson(value)).toThrow(TypeError)
    expect(() => compactJson({ a: [1, { b: NaN }] })).toThrow('$.a[1].b is not a finite number')
  })

  it('rejects nesting beyond maxDepth', () => {
    expect(() => compactJson(JSON.parse(nested(MAX_JSON_DEPTH)))).not.toThrow()
    expect(() => compactJson(JSON.parse(nested(MAX_JSON_DEPTH + 1)))).toThrow(TypeError)
    expect(() => compactJson([[1]], { maxDepth: 1 })).toThrow(TypeError)
  })

  it('accepts null-prototype objects', () => {
    const o = Object.create(null) as Record<string, unknown>
    o.a = 1
    expect(compactJson(o)).toBe('{"a":1}')
  })

  it('emits only documents parseStrictJson reads back equal', () => {
    const data = fc.jsonValue({ maxDepth: 8, stringUnit: 'grapheme' }).filter(v => jsonDataProblem(v) === undefined)
    fc.assert(
      fc.property(data, value => {
        const text = compactJson(value)
        expect(parseStrictJson(text)).toStrictEqual(JSON.parse(JSON.stringify(value)))
        expect(compactJson(parseStrictJson(text))).toBe(text)
      }),
      { numRuns: 300 }
    )
  })
})
