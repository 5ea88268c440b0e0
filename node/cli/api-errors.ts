/**
 * Errors from the local API, in the operator's terms. A command on a running node goes through
 * the API, whose refusals speak of requests (`invalid request: body/legalBasis: …`, `request body
 * exceeds …`); the same mistake on a stopped node is caught by the CLI or the service in flag
 * terms. Here the API's wording is turned into the flags the operator typed: each field of an
 * API request is named like the flag that fills it (`legalBasis` ← `--legal-basis`), so a
 * validation issue at `/legalBasis` is about `--legal-basis`.
 *
 * @module
 */
import { NodeError } from '../errors.ts'
import { API_MAX_BODY_BYTES } from '../defaults.ts'

interface Issue {
  in: string
  path: string
  problem: string
  message: string
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, c => '-' + c.toLowerCase())

function isIssues (v: unknown): v is Issue[] {
  return Array.isArray(v) &&
    v.every(i => i != null && typeof i === 'object' && typeof (i as Issue).path === 'string' && typeof (i as Issue).message === 'string')
}

/** What zod says, as what was expected: `Invalid string: must match pattern /x/` → `expected the form /x/`. */
function expected (message: string): string {
  const pattern = /must match pattern (\/.*\/)$/.exec(message)
  if (pattern != null) return `expected the form ${pattern[1]}`
  return message.replace(/^Invalid input: /, '')
}

function describe (i: Issue, values: Values): string {
  const [field, ...rest] = i.path.split('/').slice(1)
  const name = field == null || field === '' ? undefined : kebab(field)
  const flag = name == null ? 'the input' : `--${name}`
  const inner = field === 'body' && rest.length > 0 ? ` (at ${rest.join('.')})` : ''
  if (i.problem === 'missing') return `${flag}${inner} is required`
  if (i.problem === 'unknown') return `${flag}${inner} is not accepted by this command`
  const given = name != null && inner === '' ? values[name] : undefined
  const shown = typeof given === 'string'
    ? ` ${given}`
    : Array.isArray(given) && rest.length === 1 && given[Number(rest[0])] != null
    ? ` ${given[Number(rest[0])]}`
    : ''
  return `${flag}${shown}${inner}: ${expected(i.message)}`
}

type Values = Record<string, string | boolean | string[] | undefined>

/** `err` as the operator should read it (`values`: the flags as typed); unchanged unless it is an API request error. */
export function operatorError (err: unknown, values: Values = {}): unknown {
  if (!(err instanceof NodeError)) return err
  if (err.code === 'BAD_ARGUMENT' && err.message.startsWith('invalid request:') && isIssues(err.details)) {
    return new NodeError('BAD_ARGUMENT', err.details.map(i => describe(i, values)).join('; '), { cause: err })
  }
  if (err.code === 'TOO_LARGE' && /^request body exceeds/.test(err.message)) {
    return new NodeError(
      'TOO_LARGE',
      `the input is larger than a running node accepts from one command (${API_MAX_BODY_BYTES / 1024 / 1024} MiB); make it smaller`,
      { cause: err }
    )
  }
  return err
}
