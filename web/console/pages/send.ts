/**
 * Send: the form, the policy check first (the explanation `liaison policy check` prints), then
 * send. To a peer, or to a task force in effect here (`liaison send --task-force`): then the
 * check is the task force's rule, the very function the node applies when it addresses the
 * members, against the charter in effect as the node reports it, then each member's policy check
 * (taskforce-checks.ts); the node checks again when it sends.
 */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { MESSAGE_KINDS, TLP_LEVELS, type Tlp } from '../../../protocol/types.ts'
import type { CharterV1 } from '../../../protocol/taskforce/charter.ts'
import { api } from '../api.ts'
import { charterDecision, withCharterHandling, withMembers, type Decision } from '../taskforce-checks.ts'
import { ErrorLine, Field, h, short, Status, Table, useApi } from '../ui.ts'

export function Send (): ComponentChild {
  const peers = useApi<Array<{ peerId: string, name: string, status: string }>>('/v1/peers')
  const forces = useApi<Array<{ id: string, name: string, state: string }>>('/v1/taskforces')
  const health = useApi<{ peerId: string }>('/v1/health')
  const [f, setF] = useState<Record<string, string>>({
    mode: 'peer',
    taskForce: '',
    to: '',
    kind: 'report',
    tlp: 'AMBER',
    topic: '',
    legalBasis: '',
    handling: '',
    body: '{\n  "summary": ""\n}'
  })
  const [decision, setDecision] = useState<Decision | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const [status, setStatus] = useState<string | undefined>(undefined)
  const set = (k: string) => (e: Event) => {
    setF({ ...f, [k]: (e.target as HTMLInputElement).value })
    setDecision(undefined)
  }
  const subject = (): { kind: string, tlp: Tlp, topic: string, legalBasis: string, handling: string[] } => ({
    kind: f.kind,
    tlp: f.tlp as Tlp,
    topic: f.topic,
    legalBasis: f.legalBasis,
    handling: (f.handling ?? '').split(',').map(c => c.trim()).filter(c => c !== '')
  })
  const check = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    setStatus(undefined)
    try {
      if (f.mode === 'taskforce') {
        const d = await api<{ charter: CharterV1 }>('GET', `/v1/taskforces/${encodeURIComponent(f.taskForce)}`)
        const self = health.data?.peerId ?? ''
        const sent = withCharterHandling(d.charter, subject())
        const members = await Promise.all(
          d.charter.members.filter(m => m.peerId !== self).map(async m =>
            [m.name, await api<Decision>('POST', '/v1/policy/check', { to: m.peerId, ...sent })] as [string, Decision]
          )
        )
        setDecision(withMembers(charterDecision(d.charter, self, subject()), members))
      } else setDecision(await api<Decision>('POST', '/v1/policy/check', { to: f.to, ...subject() }))
    } catch (err) {
      setError(err)
    }
  }
  const send = async (): Promise<void> => {
    setError(undefined)
    let body: unknown
    try {
      body = JSON.parse(f.body)
    } catch {
      setError(new Error('The body is not JSON'))
      return
    }
    try {
      const r = await api<{ digest: string, id: string, recipients: Array<{ peerId: string, status: string }> }>(
        'POST',
        '/v1/messages?wait=true&timeoutMs=20000',
        { ...(f.mode === 'taskforce' ? { to: [], taskForce: f.taskForce } : { to: [f.to] }), ...subject(), body }
      )
      setStatus(`Sent ${r.id}: ${r.recipients.map(x => `${short(x.peerId)} ${x.status}`).join(', ')}`)
      location.hash = `#/message/${r.digest}`
    } catch (err) {
      setError(err)
    }
  }
  return h(
    'form',
    {
      id: 'send-form',
      onSubmit: (e: Event) => {
        void check(e)
      }
    },
    h(
      'fieldset',
      null,
      h('legend', null, 'Send to'),
      h(
        'div',
        { class: 'field check' },
        h('input', { type: 'radio', id: 's-mode-peer', name: 's-mode', value: 'peer', checked: f.mode === 'peer', onChange: set('mode') }),
        h('label', { for: 's-mode-peer' }, 'a peer')
      ),
      h(
        'div',
        { class: 'field check' },
        h('input', { type: 'radio', id: 's-mode-tf', name: 's-mode', value: 'taskforce', checked: f.mode === 'taskforce', onChange: set('mode') }),
        h('label', { for: 's-mode-tf' }, 'a task force (every current member)')
      )
    ),
    f.mode === 'taskforce'
      ? h(
        Field,
        { id: 's-taskforce', label: 'Task force' },
        h(
          'select',
          { id: 's-taskforce', value: f.taskForce, onChange: set('taskForce') },
          h('option', { value: '' }, '(choose a task force in effect)'),
          (forces.data ?? []).filter(t => t.state === 'in-effect').map(t => h('option', { value: t.id }, t.name))
        )
      )
      : h(
        Field,
        { id: 's-to', label: 'Recipient' },
        h(
          'select',
          { id: 's-to', value: f.to, onChange: set('to') },
          h('option', { value: '' }, '(choose a peer)'),
          (peers.data ?? []).filter(p => p.status === 'active').map(p => h('option', { value: p.peerId }, `${p.name} (${short(p.peerId)})`))
        )
      ),
    h(
      Field,
      { id: 's-kind', label: 'Kind' },
      h('select', { id: 's-kind', value: f.kind, onChange: set('kind') }, MESSAGE_KINDS.map(k => h('option', { value: k }, k)))
    ),
    h(
      Field,
      { id: 's-tlp', label: 'TLP' },
      h('select', { id: 's-tlp', value: f.tlp, onChange: set('tlp') }, TLP_LEVELS.map(k => h('option', { value: k }, k)))
    ),
    h(Field, { id: 's-topic', label: 'Topic' }, h('input', { id: 's-topic', value: f.topic, onInput: set('topic') })),
    h(Field, { id: 's-legal', label: 'Legal basis (agreement ID)' }, h('input', { id: 's-legal', value: f.legalBasis, onInput: set('legalBasis') })),
    h(
      Field,
      { id: 's-handling', label: 'Handling codes (comma-separated, e.g. no-onward-without-consent)' },
      h('input', { id: 's-handling', value: f.handling, onInput: set('handling') })
    ),
    h(Field, { id: 's-body', label: 'Body (JSON)' }, h('textarea', { id: 's-body', rows: 8, value: f.body, onInput: set('body') })),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit' }, 'Check policy'),
      h('button', {
        type: 'button',
        id: 'send-button',
        disabled: decision?.decision !== 'accept',
        onClick: () => {
          void send()
        }
      }, 'Send')
    ),
    decision != null ?
      h(
        'div',
        { id: 'policy-decision' },
        h(Table, {
          caption: 'Policy check',
          head: ['Result', 'Check', 'Detail'],
          rows: decision.checks.map(
            c => [h('span', { class: c.ok ? 'ok' : 'bad' }, c.ok ? 'ok' : 'FAIL'), c.name, `${c.detail}${c.ok ? '' : `  [${c.reason ?? ''}]`}`]
          )
        }),
        h(
          'p',
          { id: 'policy-verdict', class: decision.decision === 'accept' ? 'ok' : 'bad' },
          decision.decision === 'accept'
            ? `decision: accept${decision.reason != null ? `, ${decision.reason}` : ''}`
            : `decision: reject ${decision.reason ?? ''}`
        )
      ) :
      null,
    h(ErrorLine, { error }),
    h(Status, { text: status })
  )
}
