/**
 * The console's only way to the node: the local API, same origin, with the API token as a
 * bearer token. The token lives in sessionStorage (gone when the tab closes), never in a URL.
 *
 * @module
 */
const KEY = 'liaison.apiToken'

export class ApiError extends Error {
  readonly code: string
  readonly status: number
  readonly details: unknown
  constructor (status: number, code: string, message: string, details?: unknown) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

export function token (): string | null {
  return sessionStorage.getItem(KEY)
}

export function setToken (t: string | null): void {
  if (t == null) sessionStorage.removeItem(KEY)
  else sessionStorage.setItem(KEY, t)
}

export async function api<T = unknown> (method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token() ?? ''}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), cache: 'no-store' })
  const value = await res.json().catch(() => null) as { error?: { code: string, message: string, details?: unknown } } | null
  if (!res.ok) {
    const e = value?.error
    throw new ApiError(res.status, e?.code ?? 'HTTP_' + res.status, e?.message ?? res.statusText, e?.details)
  }
  return value as T
}
