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

interface Issue { in: string, path: string, problem: string, message: string }

const kebab = (s: string): string => s.replace(/[A-Z]/g, c => '-' + c.toLowerCase())

function isIssues (v: unknown): v is Issue[] {
  return Array.isArray(v) && v.every(i => i != null && typeof i === 'object' && typeof (i as Issue).path === 'string' && typeof (i as Issue).message === 'string')
}

function describe (i: Issue): string {
  const [field, ...rest] = i.path.split('/').slice(1)
  const flag = field == null || field === '' ? 'the input' : `--${kebab(field)}`
  const inner = field === 'body' && rest.length > 0 ? ` (at ${rest.join('.')})` : ''
  if (i.problem === 'missing') return `${flag}${inner} is required`
  if (i.problem === 'unknown') return `${flag}${inner} is not accepted by this command`
  return `${flag}${inner}: ${i.message}`
}

/** `err` as the operator should read it; unchanged unless it is an API request error. */
export function operatorError (err: unknown): unknown {
  if (!(err instanceof NodeError)) return err
  if (err.code === 'BAD_ARGUMENT' && err.message.startsWith('invalid request:') && isIssues(err.details)) {
    return new NodeError('BAD_ARGUMENT', err.details.map(describe).join('; '), { cause: err })
  }
  if (err.code === 'TOO_LARGE' && /^request body exceeds/.test(err.message)) {
    return new NodeError('TOO_LARGE', `the input is larger than a running node accepts from one command (${API_MAX_BODY_BYTES / 1024 / 1024} MiB); make it smaller`, { cause: err })
  }
  return err
}
