/**
 * The operator console: log in with the API token (kept in sessionStorage), then the pages of
 * pages/index.ts, routed by the URL fragment (#/peers, #/message/DIGEST). Every action is a call
 * to the node's local API, the same API and policy the CLI uses.
 *
 * @module
 */
import { render } from 'preact'
import type { ComponentChild } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, setToken, token } from './api.ts'
import { PAGES } from './pages/index.ts'
import { ErrorLine, h } from './ui.ts'

function route (): { id: string, arg: string } {
  const [, id = 'overview', ...rest] = location.hash.replace(/^#/, '').split('/')
  return { id, arg: decodeURIComponent(rest.join('/')) }
}

function Login ({ done }: { done: () => void }): ComponentChild {
  const [value, setValue] = useState('')
  const [error, setError] = useState<unknown>(undefined)
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setToken(value.trim())
    try {
      await api('GET', '/v1/health')
      done()
    } catch (err) {
      setToken(null)
      setError(err)
    }
  }
  return h(
    'main',
    { class: 'login' },
    h('h1', null, 'Liaison console'),
    h(
      'form',
      {
        id: 'login',
        onSubmit: (e: Event) => {
          void submit(e)
        }
      },
      h('label', { for: 'token' }, 'API token'),
      h('input', {
        id: 'token',
        type: 'password',
        autocomplete: 'off',
        value,
        'aria-describedby': 'token-hint',
        onInput: (e: Event) => {
          setValue((e.target as HTMLInputElement).value)
        }
      }),
      h('small', { id: 'token-hint' }, "The contents of DIR/api-token on the node's machine. Kept for this tab only."),
      h('button', { type: 'submit' }, 'Log in'),
      h(ErrorLine, { error })
    )
  )
}

function App (): ComponentChild {
  const [authed, setAuthed] = useState(token() != null)
  const [r, setR] = useState(route())
  useEffect(() => {
    const on = (): void => {
      setR(route())
    }
    addEventListener('hashchange', on)
    return () => {
      removeEventListener('hashchange', on)
    }
  }, [])
  useEffect(() => {
    document.getElementById('page-title')?.focus()
  }, [r.id, r.arg])
  if (!authed) {
    return h(Login, {
      done: () => {
        setAuthed(true)
      }
    })
  }
  const page = PAGES.find(p => p.id === r.id) ?? PAGES[0]
  document.title = `${page.title} — Liaison console`
  return h(
    'div',
    { class: 'shell' },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h(
      'nav',
      { 'aria-label': 'Console pages' },
      h('p', { class: 'brand' }, 'Liaison'),
      h(
        'ul',
        null,
        PAGES.filter(p => p.menu !== false).map(p =>
          h('li', null, h('a', { href: `#/${p.id}`, 'aria-current': p.id === page.id ? 'page' : undefined }, p.title))
        )
      ),
      h('button', {
        type: 'button',
        class: 'logout',
        onClick: () => {
          setToken(null)
          setAuthed(false)
        }
      }, 'Log out')
    ),
    h('main', { id: 'main' }, h('h1', { id: 'page-title', tabIndex: -1 }, page.title), h(page.component, { key: `${page.id}/${r.arg}`, arg: r.arg }))
  )
}

render(h(App, null), document.getElementById('app') as HTMLElement)
