/** Send: the form, the policy check first (the explanation `liaison policy check` prints), then send. */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { MESSAGE_KINDS, TLP_LEVELS } from '../../../protocol/types.ts'
import { ErrorLine, Field, h, short, Status, Table, useApi } from '../ui.ts'

/** As node/policy/decide.ts answers and `liaison policy check` prints it: check by check. */
interface Decision { decision: 'accept' | 'reject', reason?: string, checks: Array<{ name: string, ok: boolean, detail: string, reason?: string }> }

export function Send (): ComponentChild {
  const peers = useApi<Array<{ peerId: string, name: string, status: string }>>('/v1/peers')
  const [f, setF] = useState<Record<string, string>>({ to: '', kind: 'report', tlp: 'AMBER', topic: '', legalBasis: '', handling: '', body: '{\n  "summary": ""\n}' })
  const [decision, setDecision] = useState<Decision | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const [status, setStatus] = useState<string | undefined>(undefined)
  const set = (k: string) => (e: Event) => { setF({ ...f, [k]: (e.target as HTMLInputElement).value }); setDecision(undefined) }
  const subject = (): Record<string, unknown> => ({ kind: f.kind, tlp: f.tlp, topic: f.topic, legalBasis: f.legalBasis, handling: (f.handling ?? '').split(',').map(c => c.trim()).filter(c => c !== '') })
  const check = async (e: Event): Promise<void> => {
    e.preventDefault(); setError(undefined); setStatus(undefined)
    try { setDecision(await api<Decision>('POST', '/v1/policy/check', { to: f.to, ...subject() })) } catch (err) { setError(err) }
  }
  const send = async (): Promise<void> => {
    setError(undefined)
    let body: unknown
    try { body = JSON.parse(f.body) } catch { setError(new Error('The body is not JSON')); return }
    try {
      const r = await api<{ digest: string, id: string, recipients: Array<{ peerId: string, status: string }> }>('POST', '/v1/messages?wait=true&timeoutMs=20000', { to: [f.to], ...subject(), body })
      setStatus(`Sent ${r.id}: ${r.recipients.map(x => `${short(x.peerId)} ${x.status}`).join(', ')}`)
      location.hash = `#/message/${r.digest}`
    } catch (err) { setError(err) }
  }
  return h('form', { id: 'send-form', onSubmit: (e: Event) => { void check(e) } },
    h(Field, { id: 's-to', label: 'Recipient' }, h('select', { id: 's-to', value: f.to, onChange: set('to') }, h('option', { value: '' }, '(choose a peer)'), (peers.data ?? []).filter(p => p.status === 'active').map(p => h('option', { value: p.peerId }, `${p.name} (${short(p.peerId)})`)))),
    h(Field, { id: 's-kind', label: 'Kind' }, h('select', { id: 's-kind', value: f.kind, onChange: set('kind') }, MESSAGE_KINDS.map(k => h('option', { value: k }, k)))),
    h(Field, { id: 's-tlp', label: 'TLP' }, h('select', { id: 's-tlp', value: f.tlp, onChange: set('tlp') }, TLP_LEVELS.map(k => h('option', { value: k }, k)))),
    h(Field, { id: 's-topic', label: 'Topic' }, h('input', { id: 's-topic', value: f.topic, onInput: set('topic') })),
    h(Field, { id: 's-legal', label: 'Legal basis (agreement ID)' }, h('input', { id: 's-legal', value: f.legalBasis, onInput: set('legalBasis') })),
    h(Field, { id: 's-handling', label: 'Handling codes (comma-separated, e.g. no-onward-without-consent)' }, h('input', { id: 's-handling', value: f.handling, onInput: set('handling') })),
    h(Field, { id: 's-body', label: 'Body (JSON)' }, h('textarea', { id: 's-body', rows: 8, value: f.body, onInput: set('body') })),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Check policy'), h('button', { type: 'button', id: 'send-button', disabled: decision?.decision !== 'accept', onClick: () => { void send() } }, 'Send')),
    decision != null ? h('div', { id: 'policy-decision' },
      h(Table, { caption: 'Policy check', head: ['Result', 'Check', 'Detail'], rows: decision.checks.map(c => [h('span', { class: c.ok ? 'ok' : 'bad' }, c.ok ? 'ok' : 'FAIL'), c.name, `${c.detail}${c.ok ? '' : `  [${c.reason ?? ''}]`}`]) }),
      h('p', { id: 'policy-verdict', class: decision.decision === 'accept' ? 'ok' : 'bad' }, decision.decision === 'accept' ? 'decision: accept' : `decision: reject ${decision.reason ?? ''}`)) : null,
    h(ErrorLine, { error }), h(Status, { text: status }))
}
