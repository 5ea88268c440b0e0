/** Inbox and outbox with filters, and one message: body, signature and receipt status, audit position. */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { ErrorLine, Field, h, short, Table, time, useApi } from '../ui.ts'

interface Meta { digest: string, id: string, from: string, to: string[], kind: string, tlp: string, topic: string, created: string, storedAt: number, purgedAt?: number }
interface Delivery { digest: string, messageId: string, recipient: string, status: string, attempts: number, updatedAt: number, reason?: string }

function Filters ({ f, set }: { f: Record<string, string>, set: (k: string, v: string) => void }): ComponentChild {
  return h('fieldset', { class: 'filters' }, h('legend', null, 'Filters'),
    h(Field, { id: 'f-peer', label: 'Peer ID' }, h('input', { id: 'f-peer', value: f.peer, onInput: (e: Event) => { set('peer', (e.target as HTMLInputElement).value) } })),
    h(Field, { id: 'f-tlp', label: 'TLP' }, h('select', { id: 'f-tlp', value: f.tlp, onChange: (e: Event) => { set('tlp', (e.target as HTMLSelectElement).value) } }, ['', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'].map(t => h('option', { value: t }, t === '' ? 'any' : t)))),
    h(Field, { id: 'f-topic', label: 'Topic' }, h('input', { id: 'f-topic', value: f.topic, onInput: (e: Event) => { set('topic', (e.target as HTMLInputElement).value) } })),
    h(Field, { id: 'f-since', label: 'Since (date)' }, h('input', { id: 'f-since', type: 'date', value: f.since, onInput: (e: Event) => { set('since', (e.target as HTMLInputElement).value) } })))
}

function MessageList ({ path, title, peerField }: { path: string, title: string, peerField: 'from' | 'to' }): ComponentChild {
  const [f, setF] = useState<Record<string, string>>({ peer: '', tlp: '', topic: '', since: '' })
  const q = new URLSearchParams()
  if (f.since !== '') q.set('since', f.since)
  if (peerField === 'from' && f.peer.trim() !== '') q.set('from', f.peer.trim())
  const list = useApi<Meta[]>(`${path}${q.size > 0 ? '?' + q.toString() : ''}`)
  const rows = (list.data ?? []).filter(m => (f.tlp === '' || m.tlp === f.tlp) && (f.topic === '' || m.topic.includes(f.topic)) && (peerField === 'from' || f.peer.trim() === '' || m.to.includes(f.peer.trim()))).reverse()
  return h('section', null, h(Filters, { f, set: (k, v) => { setF({ ...f, [k]: v }) } }), h(ErrorLine, { error: list.error }),
    h(Table, { caption: title, id: 'messages', head: ['Stored', peerField === 'from' ? 'From' : 'To', 'Kind', 'TLP', 'Topic', 'Message'], rows: rows.map(m => [time(m.storedAt), h('span', { class: 'mono' }, peerField === 'from' ? short(m.from) : m.to.map(short).join(', ')), m.kind, h('span', { class: `tlp tlp-${m.tlp.replace('+', '-')}` }, m.tlp), m.topic, h('a', { href: `#/message/${m.digest}` }, short(m.id))]) }))
}

export function Inbox (): ComponentChild { return h(MessageList, { path: '/v1/inbox', title: 'Received messages, newest first', peerField: 'from' }) }

export function Outbox (): ComponentChild {
  const outbox = useApi<Delivery[]>('/v1/outbox')
  return h('section', null, h(MessageList, { path: '/v1/sent', title: 'Sent messages, newest first', peerField: 'to' }),
    h(Table, { caption: 'Delivery state per message and recipient', id: 'deliveries', head: ['Message', 'Recipient', 'State', 'Attempts', 'Updated'], rows: (outbox.data ?? []).map(d => [h('a', { href: `#/message/${d.digest}` }, short(d.digest)), h('span', { class: 'mono' }, short(d.recipient)), `${d.status}${d.reason != null ? ` (${d.reason})` : ''}`, String(d.attempts), time(d.updatedAt)]) }))
}

interface View { meta: Meta, envelope?: string, receipts: Array<{ by: string, envelope: string }>, deliveries?: Delivery[] }
interface Proof { checkpoint: { size: number } | null, leaves: Array<{ index: number, entry: string, proof: string[] | null }> }

function entryType (entry: string): string {
  try { return (JSON.parse(entry) as { type?: string }).type ?? '?' } catch { return '?' }
}

function decodePayload (envelope: string | undefined): unknown {
  if (envelope == null) return undefined
  try {
    const env = JSON.parse(atob(envelope)) as { payload: string }
    const payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(env.payload), c => c.charCodeAt(0)))) as { body?: unknown }
    return payload.body ?? payload
  } catch { return undefined }
}

export function Message ({ arg }: { arg: string }): ComponentChild {
  const view = useApi<View>(`/v1/messages/${encodeURIComponent(arg)}?envelope=true`)
  const proof = useApi<Proof>(`/v1/audit/prove/${encodeURIComponent(arg)}`)
  const v = view.data
  if (v == null) return h('section', null, h(ErrorLine, { error: view.error }), h('p', null, view.error == null ? 'Loading…' : ''))
  const m = v.meta
  const body = decodePayload(v.envelope)
  return h('section', { id: 'message-view' },
    h('dl', null,
      h('dt', null, 'Message ID'), h('dd', { class: 'mono' }, m.id), h('dt', null, 'Digest'), h('dd', { class: 'mono' }, m.digest),
      h('dt', null, 'From'), h('dd', { class: 'mono' }, m.from), h('dt', null, 'To'), h('dd', { class: 'mono' }, m.to.join(', ')),
      h('dt', null, 'Kind, TLP, topic'), h('dd', null, `${m.kind}, ${m.tlp}, ${m.topic}`), h('dt', null, 'Created'), h('dd', null, m.created),
      h('dt', null, 'Signature'), h('dd', { id: 'signature-status' }, m.purgedAt != null ? `purged at ${time(m.purgedAt)}` : 'verified by the node when it was stored (Ed25519, DSSE); envelope kept byte for byte'),
      h('dt', null, 'Audit log'), h('dd', { id: 'audit-position' }, proof.data != null ? proof.data.leaves.map(l => `leaf ${l.index} (${entryType(l.entry)})${l.proof == null ? ', not yet in a checkpoint' : `, included in checkpoint ${proof.data?.checkpoint?.size ?? '?'}`}`).join('; ') : (proof.error != null ? proof.error.message : '…'))),
    h(Table, { caption: 'Receipts and deliveries', id: 'receipts', head: ['Recipient', 'Delivery', 'Signed receipt'], rows: m.to.map(p => [h('span', { class: 'mono' }, short(p)), v.deliveries?.find(d => d.recipient === p)?.status ?? '-', v.receipts.some(r => r.by === p) ? 'received and verified' : 'none yet']) }),
    h('h2', null, 'Body'), h('pre', { id: 'message-body', tabIndex: 0 }, body === undefined ? '(not available)' : JSON.stringify(body, null, 2)))
}
