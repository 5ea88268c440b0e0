/**
 * Peers: the trust list; add from a card (first checked and shown by the node without adding it
 * — name, peer ID, fingerprint, keys — then its fingerprint typed back and confirmed; the node
 * refuses the add unless the typed one is the card's, and never tells the right one),
 * permissions edited and validated by the same code as the CLI's flags (policy/peer-fields.ts)
 * and then by the API, suspend / resume / revoke after confirmation.
 */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { parseAgreementFlag } from '../../../node/policy/peer-fields.ts'
import { api } from '../api.ts'
import { confirmAction, ErrorLine, Field, h, short, Status, Table, time, useApi } from '../ui.ts'

interface Peer {
  peerId: string
  name: string
  status: string
  maxTlpOut: string
  maxTlpIn: string
  topicsOut: string[]
  topicsIn: string[]
  kinds: string[]
  agreements: Array<{ id: string, validFrom: string, validUntil: string }>
}

function list (text: string): string[] {
  return text.split(',').map(s => s.trim()).filter(s => s !== '')
}

/** What the permission inputs mean, as the CLI's --agreement, --max-tlp-in/out and --topics-in/out flags. */
function fieldsFrom (f: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (f.agreements.trim() !== '') out.agreements = list(f.agreements).map(parseAgreementFlag)
  if (f.maxTlpOut !== '') out.maxTlpOut = f.maxTlpOut
  if (f.maxTlpIn !== '') out.maxTlpIn = f.maxTlpIn
  if (f.topicsOut.trim() !== '') out.topicsOut = list(f.topicsOut)
  if (f.topicsIn.trim() !== '') out.topicsIn = list(f.topicsIn)
  return out
}

const TLPS = ['', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']

function PermissionInputs ({ prefix, f, set }: { prefix: string, f: Record<string, string>, set: (k: string, v: string) => void }): ComponentChild {
  const text = (k: string, label: string, hint: string): ComponentChild =>
    h(
      Field,
      { id: `${prefix}-${k}`, label, hint },
      h('input', {
        id: `${prefix}-${k}`,
        value: f[k],
        'aria-describedby': `${prefix}-${k}-hint`,
        onInput: (e: Event) => {
          set(k, (e.target as HTMLInputElement).value)
        }
      })
    )
  const tlp = (k: string, label: string): ComponentChild =>
    h(
      Field,
      { id: `${prefix}-${k}`, label },
      h('select', {
        id: `${prefix}-${k}`,
        value: f[k],
        onChange: (e: Event) => {
          set(k, (e.target as HTMLSelectElement).value)
        }
      }, TLPS.map(t => h('option', { value: t }, t === '' ? '(unchanged)' : t)))
    )
  return h(
    'fieldset',
    null,
    h('legend', null, 'Permissions'),
    text('agreements', 'Agreements', 'ID:YYYY-MM-DD:YYYY-MM-DD, comma-separated (replaces the list)'),
    tlp('maxTlpOut', 'Highest TLP we send'),
    tlp('maxTlpIn', 'Highest TLP we accept'),
    text('topicsOut', 'Topics we send', 'comma-separated'),
    text('topicsIn', 'Topics we accept', 'comma-separated')
  )
}

const EMPTY = { agreements: '', maxTlpOut: '', maxTlpIn: '', topicsOut: '', topicsIn: '' }

/** POST /v1/cards/inspect's answer (node/trust/card-inspection.ts). */
interface Inspection {
  card: { peerId: string, name: string, jurisdiction?: string, addresses: string[], created: string }
  fingerprint: string
  signature: 'valid'
  keys: Array<{ role: string, id: string, fingerprint?: string }>
  known?: { name: string, status: string }
}

const ROLES: Record<string, string> = {
  identity: 'identity (signs its messages)',
  courier: 'courier (may deliver its revocation)',
  oprf: 'OPRF (answers hit/no-hit queries)'
}

/** What the node read from the card, before anything is added. */
function CardPreview ({ r }: { r: Inspection }): ComponentChild {
  const c = r.card
  return h(
    'div',
    { id: 'card-preview' },
    h('h3', null, 'The card, checked by the node (nothing added yet)'),
    h(
      'dl',
      null,
      h('dt', null, 'Agency'),
      h('dd', { id: 'card-name' }, c.name, c.jurisdiction != null ? ` (${c.jurisdiction})` : ''),
      h('dt', null, 'Peer ID'),
      h('dd', { class: 'mono', id: 'card-peer-id' }, c.peerId),
      h('dt', null, 'Self-signature'),
      h('dd', { class: 'ok' }, r.signature),
      h('dt', null, 'Created'),
      h('dd', null, time(c.created)),
      h('dt', null, 'Fingerprint'),
      h('dd', null, h('strong', { class: 'mono', id: 'card-fingerprint' }, r.fingerprint)),
      h('dt', null, 'Addresses'),
      h('dd', { class: 'mono' }, c.addresses.join(', ') || 'none')
    ),
    h(Table, {
      caption: 'Keys the card introduces',
      id: 'card-keys',
      head: ['Role', 'Key', 'Fingerprint'],
      rows: r.keys.map(k => [ROLES[k.role] ?? k.role, h('span', { class: 'mono' }, k.id), h('span', { class: 'mono' }, k.fingerprint ?? '-')])
    }),
    r.known != null
      ? h('p', { class: 'bad', id: 'card-known' }, `Already on the trust list as ${r.known.name} (${r.known.status}): adding it again is refused.`)
      : null,
    h(
      'p',
      null,
      `Ask ${c.name} to read their fingerprint to you over a separate channel (phone, in person) and compare it with the one above; then type it below.`
    )
  )
}

function AddFromCard ({ done }: { done: () => void }): ComponentChild {
  const [card, setCard] = useState('')
  const [preview, setPreview] = useState<Inspection | undefined>(undefined)
  const [fingerprint, setFingerprint] = useState('')
  const [confirmed, setConfirmed] = useState(false)
  const [f, setF] = useState<Record<string, string>>({ ...EMPTY })
  const [error, setError] = useState<unknown>(undefined)
  const [status, setStatus] = useState<string | undefined>(undefined)
  const inspect = async (): Promise<void> => {
    setError(undefined)
    setPreview(undefined)
    try {
      setPreview(await api<Inspection>('POST', '/v1/cards/inspect', { card }))
    } catch (err) {
      setError(err)
    }
  }
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    try {
      const r = await api<{ record: Peer, fingerprint: string }>('POST', '/v1/peers/from-card', {
        card,
        fingerprint: fingerprint.trim(),
        fields: fieldsFrom(f)
      })
      setStatus(`Added ${r.record.name} (${r.record.peerId}), fingerprint ${r.fingerprint} confirmed.`)
      setCard('')
      setPreview(undefined)
      setFingerprint('')
      setConfirmed(false)
      setF({ ...EMPTY })
      done()
    } catch (err) {
      setError(err)
    }
  }
  return h(
    'form',
    {
      id: 'add-peer',
      onSubmit: (e: Event) => {
        void submit(e)
      }
    },
    h('h2', null, 'Add a peer from its card'),
    h(
      Field,
      { id: 'card', label: 'Trust card (JSON, as `liaison card export` writes it)' },
      h('textarea', {
        id: 'card',
        rows: 5,
        value: card,
        onInput: (e: Event) => {
          setCard((e.target as HTMLTextAreaElement).value)
          setPreview(undefined)
        }
      })
    ),
    h('button', {
      type: 'button',
      id: 'inspect-card',
      disabled: card.trim() === '',
      onClick: () => {
        void inspect()
      }
    }, 'Check the card'),
    preview != null ? h(CardPreview, { r: preview }) : null,
    h(
      Field,
      {
        id: 'fingerprint',
        label: 'Fingerprint the agency told you over a separate channel',
        hint: 'XXXX-XXXX-XXXX-XXXX-XXXX-XXXX; the node refuses the card unless its key has this fingerprint'
      },
      h('input', {
        id: 'fingerprint',
        value: fingerprint,
        'aria-describedby': 'fingerprint-hint',
        onInput: (e: Event) => {
          setFingerprint((e.target as HTMLInputElement).value)
        }
      })
    ),
    h(
      'div',
      { class: 'field check' },
      h('input', {
        id: 'fp-confirmed',
        type: 'checkbox',
        checked: confirmed,
        onChange: (e: Event) => {
          setConfirmed((e.target as HTMLInputElement).checked)
        }
      }),
      h('label', { for: 'fp-confirmed' }, 'I confirmed this fingerprint with the agency itself')
    ),
    h(PermissionInputs, {
      prefix: 'new',
      f,
      set: (k, v) => {
        setF({ ...f, [k]: v })
      }
    }),
    h('button', { type: 'submit', disabled: preview == null || !confirmed || fingerprint.trim() === '' }, 'Add peer'),
    h(ErrorLine, { error }),
    h(Status, { text: status })
  )
}

function EditPeer ({ peer, done }: { peer: Peer, done: () => void }): ComponentChild {
  const [f, setF] = useState<Record<string, string>>({ ...EMPTY })
  const [error, setError] = useState<unknown>(undefined)
  const [status, setStatus] = useState<string | undefined>(undefined)
  const save = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    try {
      await api('PATCH', `/v1/peers/${encodeURIComponent(peer.peerId)}`, fieldsFrom(f))
      setStatus('Saved.')
      done()
    } catch (err) {
      setError(err)
    }
  }
  const setStatusTo = async (s: string): Promise<void> => {
    if (
      !confirmAction(
        `${s === 'active' ? 'Resume' : s === 'suspended' ? 'Suspend' : 'Revoke'} ${peer.name} (${peer.peerId})?${
          s === 'revoked' ? ' Revocation cannot be undone.' : ''
        }`
      )
    ) return
    setError(undefined)
    try {
      await api('POST', `/v1/peers/${encodeURIComponent(peer.peerId)}/status`, { status: s })
      setStatus(`Status is now ${s}.`)
      done()
    } catch (err) {
      setError(err)
    }
  }
  return h(
    'form',
    {
      class: 'edit-peer',
      onSubmit: (e: Event) => {
        void save(e)
      }
    },
    h('h3', null, `${peer.name}: `, h('span', { class: 'peer-status' }, peer.status)),
    h(
      'p',
      null,
      `Agreements: ${
        peer.agreements.map(a => `${a.id} (${a.validFrom.slice(0, 10)} to ${a.validUntil.slice(0, 10)})`).join(', ') || 'none'
      }; TLP out ≤ ${peer.maxTlpOut}, in ≤ ${peer.maxTlpIn}; topics out ${peer.topicsOut.join(', ') || '-'}, in ${peer.topicsIn.join(', ') || '-'}`
    ),
    h(PermissionInputs, {
      prefix: `edit-${peer.peerId.slice(-6)}`,
      f,
      set: (k, v) => {
        setF({ ...f, [k]: v })
      }
    }),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit' }, 'Save permissions'),
      peer.status === 'active'
        ? h('button', {
          type: 'button',
          onClick: () => {
            void setStatusTo('suspended')
          }
        }, 'Suspend')
        : null,
      peer.status === 'suspended'
        ? h('button', {
          type: 'button',
          onClick: () => {
            void setStatusTo('active')
          }
        }, 'Resume')
        : null,
      peer.status !== 'revoked'
        ? h('button', {
          type: 'button',
          class: 'danger',
          onClick: () => {
            void setStatusTo('revoked')
          }
        }, 'Revoke')
        : null
    ),
    h(ErrorLine, { error }),
    h(Status, { text: status })
  )
}

export function Peers (): ComponentChild {
  const peers = useApi<Peer[]>('/v1/peers')
  const card = useApi<{ envelope: string, fingerprint: string }>('/v1/card')
  return h(
    'section',
    null,
    h(ErrorLine, { error: peers.error }),
    h(Table, {
      caption: 'Trust list',
      id: 'peers-table',
      head: ['Name', 'Peer ID', 'Status', 'Agreements'],
      rows: (peers.data ?? []).map(p => [
        p.name,
        h('span', { class: 'mono', title: p.peerId }, short(p.peerId)),
        p.status,
        p.agreements.map(a => a.id).join(', ')
      ])
    }),
    (peers.data ?? []).map(p => h(EditPeer, { key: p.peerId + p.status, peer: p, done: peers.reload })),
    h(AddFromCard, { done: peers.reload }),
    h('h2', null, "This node's card"),
    h('p', null, 'Fingerprint: ', h('strong', { class: 'mono', id: 'own-fingerprint' }, card.data?.fingerprint ?? '…')),
    h('textarea', { readOnly: true, rows: 4, 'aria-label': "This node's trust card", value: card.data?.envelope ?? '' })
  )
}
