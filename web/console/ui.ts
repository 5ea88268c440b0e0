/**
 * Small shared pieces of the console: a data loader hook, error and status lines, a confirm
 * dialog, tables. Plain Preact `h` (no JSX build step to configure).
 *
 * @module
 */
import { h } from 'preact'
import type { ComponentChild, ComponentChildren } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { api, ApiError } from './api.ts'

export { h }

export interface Loaded<T> {
  data: T | undefined
  error: Error | undefined
  reload: () => void
}

/** GET `path` through the API, again on reload(). */
export function useApi<T> (path: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<Error | undefined>(undefined)
  const [n, setN] = useState(0)
  useEffect(() => {
    let live = true
    api<T>('GET', path).then(d => {
      if (live) {
        setData(d)
        setError(undefined)
      }
    }, (e: Error) => {
      if (live) setError(e)
    })
    return () => {
      live = false
    }
  }, [path, n])
  return {
    data,
    error,
    reload: useCallback(() => {
      setN(x => x + 1)
    }, [])
  }
}

export function ErrorLine ({ error }: { error: unknown }): ComponentChild {
  if (error == null) return null
  const e = error as Error
  return h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? `${e.code}: ${e.message}` : e.message)
}

export function Status ({ text }: { text: string | undefined }): ComponentChild {
  return text == null ? null : h('p', { class: 'status', role: 'status' }, text)
}

export function Table ({ caption, head, rows, id }: { caption: string, head: string[], rows: ComponentChildren[][], id?: string }): ComponentChild {
  return h(
    'table',
    { id },
    h('caption', null, caption),
    h('thead', null, h('tr', null, head.map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', null, rows.length === 0 ? h('tr', null, h('td', { colSpan: head.length }, 'none')) : rows.map(r => h('tr', null, r.map(c => h('td', null, c)))))
  )
}

/** Ask before doing something that changes the node; resolves true when confirmed. */
export function confirmAction (text: string): boolean {
  return window.confirm(text)
}

export function time (ms: number | string | undefined | null): string {
  if (ms == null) return '-'
  const d = new Date(typeof ms === 'number' ? ms : Date.parse(ms))
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}

export function short (id: string | undefined | null): string {
  if (id == null) return '-'
  return id.length > 20 ? `${id.slice(0, 10)}…${id.slice(-6)}` : id
}

export function Field ({ id, label, children, hint }: { id: string, label: string, children?: ComponentChildren, hint?: string }): ComponentChild {
  return h('div', { class: 'field' }, h('label', { for: id }, label), children, hint != null ? h('small', { id: `${id}-hint` }, hint) : null)
}
