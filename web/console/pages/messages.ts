/** Inbox and outbox with filters, and one message: body, signature and receipt status, audit position. */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { checkEvidence, checkInclusion, checkSigned, stixRows, type CheckpointView, type LeafProof, type StixRow } from '../checks.ts'
import { ErrorLine, Field, h, short, Table, time, useApi, type Loaded } from '../ui.ts'

interface Meta {
  digest: string
  id: string
  from: string
  to: string[]
  kind: string
  tlp: string
  topic: string
  created: string
  storedAt: number
  purgedAt?: number
}
interface Delivery {
  digest: string
  messageId: string
  recipient: string
  status: string
  attempts: number
  updatedAt: number
  reason?: string
}

function Filters ({ f, set }: { f: Record<string, string>, set: (k: string, v: string) => void }): ComponentChild {
  return h(
    'fieldset',
    { class: 'filters' },
    h('legend', null, 'Filters'),
    h(
      Field,
      { id: 'f-peer', label: 'Peer ID' },
      h('input', {
        id: 'f-peer',
        value: f.peer,
        onInput: (e: Event) => {
          set('peer', (e.target as HTMLInputElement).value)
        }
      })
    ),
    h(
      Field,
      { id: 'f-tlp', label: 'TLP' },
      h('select', {
        id: 'f-tlp',
        value: f.tlp,
        onChange: (e: Event) => {
          set('tlp', (e.target as HTMLSelectElement).value)
        }
      }, ['', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'].map(t => h('option', { value: t }, t === '' ? 'any' : t)))
    ),
    h(
      Field,
      { id: 'f-topic', label: 'Topic' },
      h('input', {
        id: 'f-topic',
        value: f.topic,
        onInput: (e: Event) => {
          set('topic', (e.target as HTMLInputElement).value)
        }
      })
    ),
    h(
      Field,
      { id: 'f-since', label: 'Since (date, UTC)' },
      h('input', {
        id: 'f-since',
        type: 'date',
        value: f.since,
        onInput: (e: Event) => {
          set('since', (e.target as HTMLInputElement).value)
        }
      })
    )
  )
}

function MessageList ({ path, title, peerField }: { path: string, title: string, peerField: 'from' | 'to' }): ComponentChild {
  const [f, setF] = useState<Record<string, string>>({ peer: '', tlp: '', topic: '', since: '' })
  const q = new URLSearchParams()
  // The date input gives a day; the API takes an RFC 3339 instant: that day's start, UTC.
  if (f.since !== '') q.set('since', `${f.since}T00:00:00.000Z`)
  if (peerField === 'from' && f.peer.trim() !== '') q.set('from', f.peer.trim())
  const list = useApi<Meta[]>(`${path}${q.size > 0 ? '?' + q.toString() : ''}`)
  const rows = (list.data ?? []).filter(m =>
    (f.tlp === '' || m.tlp === f.tlp) && (f.topic === '' || m.topic.includes(f.topic)) &&
    (peerField === 'from' || f.peer.trim() === '' || m.to.includes(f.peer.trim()))
  ).reverse()
  return h(
    'section',
    null,
    h(Filters, {
      f,
      set: (k, v) => {
        setF({ ...f, [k]: v })
      }
    }),
    h(ErrorLine, { error: list.error }),
    h(Table, {
      caption: title,
      id: 'messages',
      head: ['Stored', peerField === 'from' ? 'From' : 'To', 'Kind', 'TLP', 'Topic', 'Message'],
      rows: rows.map(
        m => [
          time(m.storedAt),
          h('span', { class: 'mono' }, peerField === 'from' ? short(m.from) : m.to.map(short).join(', ')),
          m.kind,
          h('span', { class: `tlp tlp-${m.tlp.replace('+', '-')}` }, m.tlp),
          m.topic,
          h('a', { href: `#/message/${m.digest}` }, short(m.id))
        ]
      )
    })
  )
}

export function Inbox (): ComponentChild {
  return h(MessageList, { path: '/v1/inbox', title: 'Received messages, newest first', peerField: 'from' })
}

export function Outbox (): ComponentChild {
  const outbox = useApi<Delivery[]>('/v1/outbox')
  return h(
    'section',
    null,
    h(MessageList, { path: '/v1/sent', title: 'Sent messages, newest first', peerField: 'to' }),
    h(Table, {
      caption: 'Delivery state per message and recipient',
      id: 'deliveries',
      head: ['Message', 'Recipient', 'State', 'Attempts', 'Updated'],
      rows: (outbox.data ?? []).map(
        d => [
          h('a', { href: `#/message/${d.digest}` }, short(d.digest)),
          h('span', { class: 'mono' }, short(d.recipient)),
          `${d.status}${d.reason != null ? ` (${d.reason})` : ''}`,
          String(d.attempts),
          time(d.updatedAt)
        ]
      )
    })
  )
}

interface View {
  meta: Meta
  envelope?: string
  receipts: Array<{ by: string, envelope: string }>
  deliveries?: Delivery[]
}
interface Proof {
  checkpoint: CheckpointView | null
  leaves: LeafProof[]
}

function entryType (entry: string): string {
  try {
    return (JSON.parse(entry) as { type?: string }).type ?? '?'
  } catch {
    return '?'
  }
}

function Signature ({ m, signed }: { m: Meta, signed: ReturnType<typeof checkSigned> | undefined }): ComponentChild {
  if (m.purgedAt != null) return `purged at ${time(m.purgedAt)}: the envelope is gone, its digest and audit leaves remain`
  if (signed == null) return 'envelope not available'
  if ('error' in signed) return h('span', { class: 'bad' }, signed.error)
  return h(
    'span',
    { class: signed.verified ? 'ok' : 'bad' },
    signed.verified
      ? `valid: Ed25519 over DSSE PAE by ${short(m.from)}, checked in this browser against the key in the sender's peer ID (${signed.envelope.payloadType})`
      : `INVALID: ${signed.why ?? ''}`
  )
}

function receiptText (r: { by: string, envelope: string } | undefined): ComponentChild {
  if (r == null) return 'none yet'
  const ev = checkEvidence(r.envelope, r.by)
  if (ev != null) {
    if ('error' in ev) return h('span', { class: 'bad' }, ev.error)
    const what = `${ev.status}${ev.reason != null ? ` (${ev.reason})` : ''}: leaf ${ev.leaf} of the recipient's log (checkpoint of ${ev.size})`
    return h('span', { class: ev.verified ? 'ok' : 'bad' }, ev.verified ? `${what}; proof and signature valid` : `${what}; CHECKPOINT SIGNATURE INVALID`)
  }
  const s = checkSigned(r.envelope, r.by)
  if ('error' in s) return h('span', { class: 'bad' }, s.error)
  const p = (s.payload ?? {}) as { status?: string, reason?: string, at?: string }
  const what = `${p.status ?? '?'}${p.reason != null ? ` (${p.reason})` : ''} at ${p.at ?? '?'}`
  return h('span', { class: s.verified ? 'ok' : 'bad' }, s.verified ? `${what}; signature valid` : `${what}; SIGNATURE INVALID`)
}

function StixTable ({ rows, tlp }: { rows: StixRow[], tlp: string }): ComponentChild {
  return h(Table, {
    caption: `STIX 2.1 bundle: ${rows.length} object${rows.length === 1 ? '' : 's'}`,
    id: 'stix-objects',
    head: ['Type', 'ID', 'Name', 'Markings', 'TLP', 'Created', 'Modified'],
    rows: rows.map(r => [
      r.type,
      h('span', { class: 'mono' }, r.id),
      r.name,
      r.markings.length === 0
        ? 'none'
        : h(
          'ul',
          { class: 'plain' },
          r.markings.map(k =>
            h(
              'li',
              null,
              k.tlp != null ? h('span', { class: `tlp tlp-${k.tlp.replace('+', '-')}` }, `TLP:${k.tlp}`) : null,
              ' ',
              h('span', { class: 'mono', title: k.ref }, short(k.ref))
            )
          )
        ),
      r.tlp === 'inherited'
        ? `none: inherits the message's TLP:${tlp}`
        : r.tlp === ''
        ? '-'
        : h('span', { class: `tlp tlp-${r.tlp.replace('+', '-')}` }, r.tlp),
      r.created,
      r.modified
    ])
  })
}

function AuditPosition ({ proof }: { proof: Loaded<Proof> }): ComponentChild {
  if (proof.data == null) return proof.error != null ? proof.error.message : '…'
  const cp = proof.data.checkpoint
  if (proof.data.leaves.length === 0) return 'no leaf names this message'
  return h(
    'ul',
    { class: 'plain' },
    proof.data.leaves.map(l => {
      const v = checkInclusion(l, cp)
      return h(
        'li',
        null,
        `leaf ${l.index} (${entryType(l.entry)}): `,
        v === 'included'
          ? h(
            'span',
            { class: 'ok' },
            `included in checkpoint ${cp?.size ?? '?'} of ${time((cp?.time ?? 0) * 1000)} (proof of ${l.proof?.length ?? 0} hashes checked in this browser)`
          )
          : v === 'PROOF FAILS'
          ? h('span', { class: 'bad' }, `inclusion proof against checkpoint ${cp?.size ?? '?'} FAILS`)
          : 'not yet in a checkpoint'
      )
    })
  )
}

export function Message ({ arg }: { arg: string }): ComponentChild {
  const view = useApi<View>(`/v1/messages/${encodeURIComponent(arg)}?envelope=true`)
  const proof = useApi<Proof>(`/v1/audit/prove/${encodeURIComponent(arg)}`)
  const v = view.data
  if (v == null) return h('section', null, h(ErrorLine, { error: view.error }), h('p', null, view.error == null ? 'Loading…' : ''))
  const m = v.meta
  const signed = v.envelope != null ? checkSigned(v.envelope, m.from) : undefined
  const payload = signed != null && !('error' in signed) ? signed.payload as { body?: unknown } | undefined : undefined
  const body = payload?.body ?? payload
  const stix = stixRows(payload?.body)
  return h(
    'section',
    { id: 'message-view' },
    h(
      'dl',
      null,
      h('dt', null, 'Message ID'),
      h('dd', { class: 'mono' }, m.id),
      h('dt', null, 'Digest'),
      h('dd', { class: 'mono' }, m.digest),
      h('dt', null, 'From'),
      h('dd', { class: 'mono' }, m.from),
      h('dt', null, 'To'),
      h('dd', { class: 'mono' }, m.to.join(', ')),
      h('dt', null, 'Kind, TLP, topic'),
      h('dd', null, `${m.kind}, `, h('span', { class: `tlp tlp-${m.tlp.replace('+', '-')}` }, m.tlp), `, ${m.topic}`),
      h('dt', null, 'Created'),
      h('dd', null, m.created),
      h('dt', null, 'Signature'),
      h('dd', { id: 'signature-status' }, h(Signature, { m, signed })),
      h('dt', null, 'Audit log'),
      h('dd', { id: 'audit-position' }, h(AuditPosition, { proof }))
    ),
    h(Table, {
      caption: 'Receipts and deliveries',
      id: 'receipts',
      head: ['Recipient', 'Delivery', 'Signed receipt'],
      rows: m.to.map(p => [
        h('span', { class: 'mono' }, short(p)),
        v.deliveries?.find(d => d.recipient === p)?.status ?? '-',
        receiptText(v.receipts.find(r => r.by === p))
      ])
    }),
    stix != null ? h(StixTable, { rows: stix, tlp: m.tlp }) : null,
    h('h2', null, 'Body'),
    h('pre', { id: 'message-body', tabIndex: 0, 'aria-label': 'Message body' }, body === undefined ? '(not available)' : JSON.stringify(body, null, 2))
  )
}
