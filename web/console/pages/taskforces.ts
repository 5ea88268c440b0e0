/**
 * Joint task forces (PROTOCOL.md §21, docs/taskforces.md): the list with each one's state on
 * this node and whether a version awaits this node's signature; one task force's charter (name,
 * purpose, legal basis, members, topics, TLP ceiling, handling, validity, quorum) and every
 * version with its signers and declines; Sign and Decline (with a reason) after confirmation;
 * a form to propose one. Every action is the CLI's `liaison taskforce` route (POST
 * /v1/taskforces[/{id}/sign|decline]), so the node's checks and audit entries are the same.
 */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { TLP_LEVELS } from '../../../protocol/types.ts'
import { awaitingVersion, type VersionInfo } from '../taskforce-checks.ts'
import { confirmAction, ErrorLine, Field, h, short, Status, Table, time, useApi } from '../ui.ts'

interface Summary {
  id: string
  name: string
  state: string
  version: number | null
  digest: string | null
  latest: number
  awaitingMySignature: boolean
}
interface Member {
  peerId: string
  name: string
  jurisdiction?: string
}
interface Charter {
  id: string
  version: number
  name: string
  purpose: string
  legalBasis: string
  members: Member[]
  topics: string[]
  maxTlp: string
  handling: string[]
  validFrom: string
  validUntil: string
  governance: { quorum: number }
  status: string
  proposedBy: string
  proposed: string
}
type Version = VersionInfo
interface Detail extends Summary {
  charter: Charter
  versions: Version[]
}
interface Peer {
  peerId: string
  name: string
  status: string
}

const value = (e: Event): string => (e.target as HTMLInputElement).value
const list = (s: string): string[] => s.split(',').map(x => x.trim()).filter(x => x !== '')

function Propose ({ peers, done }: { peers: Peer[], done: (d: Detail) => void }): ComponentChild {
  const [f, setF] = useState({ name: '', purpose: '', legalBasis: '', topics: '', maxTlp: 'AMBER', handling: '', validUntil: '', quorum: '' })
  const [members, setMembers] = useState<string[]>([])
  const [error, setError] = useState<unknown>(undefined)
  const set = (k: keyof typeof f) => (e: Event) => {
    setF({ ...f, [k]: value(e) })
  }
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    const until = new Date(`${f.validUntil}T23:59:59.999Z`)
    if (Number.isNaN(until.getTime())) {
      setError(new Error('Choose the last day the task force is valid'))
      return
    }
    if (!confirmAction(`Propose "${f.name}" with ${members.length} other member(s), signed by this node and sent to them?`)) return
    try {
      done(
        await api<Detail>('POST', '/v1/taskforces', {
          name: f.name,
          purpose: f.purpose,
          legalBasis: f.legalBasis,
          members,
          topics: list(f.topics),
          maxTlp: f.maxTlp,
          handling: list(f.handling),
          validUntil: until.toISOString(),
          ...(f.quorum.trim() !== '' ? { quorum: Number(f.quorum) } : {})
        })
      )
    } catch (err) {
      setError(err)
    }
  }
  const active = peers.filter(p => p.status === 'active')
  return h(
    'form',
    {
      id: 'propose-form',
      'aria-labelledby': 'propose-h',
      onSubmit: (e: Event) => {
        void submit(e)
      }
    },
    h('h2', { id: 'propose-h' }, 'Propose a task force'),
    h(Field, { id: 'tf-name', label: 'Name' }, h('input', { id: 'tf-name', value: f.name, required: true, onInput: set('name') })),
    h(Field, { id: 'tf-purpose', label: 'Purpose' }, h('textarea', { id: 'tf-purpose', rows: 2, value: f.purpose, required: true, onInput: set('purpose') })),
    h(
      Field,
      { id: 'tf-legal', label: 'Legal basis (agreement ID)' },
      h('input', { id: 'tf-legal', value: f.legalBasis, required: true, onInput: set('legalBasis') })
    ),
    h(
      'fieldset',
      null,
      h('legend', null, "Other members (peers on this node's trust list)"),
      active.length === 0 ?
        h('p', null, 'No active peer.') :
        active.map(p =>
          h(
            'div',
            { class: 'field check' },
            h('input', {
              type: 'checkbox',
              id: `tf-m-${p.peerId}`,
              checked: members.includes(p.peerId),
              onChange: (e: Event) => {
                const on = (e.target as HTMLInputElement).checked
                setMembers(on ? [...members, p.peerId] : members.filter(m => m !== p.peerId))
              }
            }),
            h('label', { for: `tf-m-${p.peerId}` }, `${p.name} (${short(p.peerId)})`)
          )
        )
    ),
    h(Field, { id: 'tf-topics', label: 'Topics (comma-separated)' }, h('input', { id: 'tf-topics', value: f.topics, required: true, onInput: set('topics') })),
    h(
      Field,
      { id: 'tf-tlp', label: 'Highest TLP' },
      h('select', { id: 'tf-tlp', value: f.maxTlp, onChange: set('maxTlp') }, TLP_LEVELS.map(t => h('option', { value: t }, t)))
    ),
    h(
      Field,
      { id: 'tf-handling', label: 'Handling codes every message carries (comma-separated, optional)' },
      h('input', { id: 'tf-handling', value: f.handling, onInput: set('handling') })
    ),
    h(
      Field,
      { id: 'tf-until', label: 'Valid until (last day, UTC)' },
      h('input', { id: 'tf-until', type: 'date', value: f.validUntil, required: true, onInput: set('validUntil') })
    ),
    h(
      Field,
      { id: 'tf-quorum', label: 'Quorum: signatures a new version needs (optional, default a majority)' },
      h('input', { id: 'tf-quorum', type: 'number', min: 1, value: f.quorum, onInput: set('quorum') })
    ),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', disabled: members.length === 0 }, 'Propose')),
    h(ErrorLine, { error })
  )
}

export function TaskForces (): ComponentChild {
  const all = useApi<Summary[]>('/v1/taskforces')
  const peers = useApi<Peer[]>('/v1/peers')
  const [status, setStatus] = useState<string | undefined>(undefined)
  return h(
    'div',
    { id: 'taskforces' },
    h(ErrorLine, { error: all.error ?? peers.error }),
    h(Status, { text: status }),
    h(Table, {
      caption: 'Task forces this node knows',
      id: 'taskforces-table',
      head: ['Name', 'State here', 'Version in effect', 'Latest version', 'Your signature'],
      rows: (all.data ?? []).map(
        t => [
          h('a', { href: `#/taskforce/${t.id}` }, t.name),
          t.state,
          t.version == null ? '-' : String(t.version),
          String(t.latest),
          t.awaitingMySignature ? h('span', { class: 'bad' }, 'awaited') : 'not awaited'
        ]
      )
    }),
    h(Propose, {
      peers: peers.data ?? [],
      done: (d: Detail) => {
        setStatus(`Proposed ${d.name} (${d.id}): version ${d.latest} sent to the members.`)
        all.reload()
      }
    })
  )
}

function Decline ({ version, done }: { version: Version, done: (reason: string | undefined) => void }): ComponentChild {
  const [reason, setReason] = useState('')
  return h(
    'form',
    {
      id: 'decline-form',
      onSubmit: (e: Event) => {
        e.preventDefault()
        done(reason.trim() === '' ? undefined : reason.trim())
      }
    },
    h(
      Field,
      { id: 'tf-reason', label: `Reason for declining version ${version.version} (told to the members)` },
      h('textarea', {
        id: 'tf-reason',
        rows: 2,
        maxLength: 1000,
        value: reason,
        onInput: (e: Event) => {
          setReason(value(e))
        }
      })
    ),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'danger' }, 'Decline version'))
  )
}

export function TaskForce ({ arg }: { arg: string }): ComponentChild {
  const detail = useApi<Detail>(`/v1/taskforces/${encodeURIComponent(arg)}`)
  const health = useApi<{ peerId: string }>('/v1/health')
  const [error, setError] = useState<unknown>(undefined)
  const [status, setStatus] = useState<string | undefined>(undefined)
  const [declining, setDeclining] = useState(false)
  const d = detail.data
  if (d == null) {
    return h('div', { id: 'taskforce' }, h(ErrorLine, { error: detail.error ?? health.error }), detail.error == null ? h('p', null, 'Loading…') : null)
  }
  const c = d.charter
  const names = new Map(c.members.map(m => [m.peerId, m.name]))
  const who = (id: string): ComponentChild => h('span', { title: id }, names.get(id) ?? short(id))
  const pending = awaitingVersion(d, health.data?.peerId)
  const act = async (action: 'sign' | 'decline', v: Version, reason?: string): Promise<void> => {
    setError(undefined)
    setStatus(undefined)
    const what = action === 'sign'
      ? `Sign version ${v.version} of "${c.name}"${v.kind != null ? ` (${v.kind})` : ''} and send the signature to the members?`
      : `Decline version ${v.version} of "${c.name}"?`
    if (!confirmAction(what)) return
    try {
      const r = await api<Detail>('POST', `/v1/taskforces/${encodeURIComponent(d.id)}/${action}`, { digest: v.digest, ...(reason != null ? { reason } : {}) })
      setDeclining(false)
      setStatus(`${action === 'sign' ? 'Signed' : 'Declined'} version ${v.version}; the task force is ${r.state} here.`)
      detail.reload()
    } catch (err) {
      setError(err)
    }
  }
  return h(
    'div',
    { id: 'taskforce' },
    h(
      'section',
      { 'aria-labelledby': 'charter-h' },
      h('h2', { id: 'charter-h' }, `${c.name}: charter version ${c.version}`),
      h(
        'dl',
        { id: 'charter' },
        h('dt', null, 'State here'),
        h('dd', { id: 'tf-state' }, d.state),
        h('dt', null, 'Purpose'),
        h('dd', null, c.purpose),
        h('dt', null, 'Legal basis'),
        h('dd', null, c.legalBasis),
        h('dt', null, 'Topics'),
        h('dd', null, c.topics.join(', ')),
        h('dt', null, 'Highest TLP'),
        h('dd', null, h('span', { class: `tlp tlp-${c.maxTlp}` }, `TLP:${c.maxTlp}`)),
        h('dt', null, 'Handling'),
        h('dd', null, c.handling.length === 0 ? 'none' : c.handling.join(', ')),
        h('dt', null, 'Valid'),
        h('dd', null, `${time(c.validFrom)} to ${time(c.validUntil)}`),
        h('dt', null, 'Quorum'),
        h('dd', null, `${c.governance.quorum} of ${c.members.length} members`),
        h('dt', null, 'Task force ID'),
        h('dd', { class: 'mono' }, d.id)
      ),
      h(Table, {
        caption: 'Members',
        id: 'tf-members',
        head: ['Name', 'Jurisdiction', 'Peer ID'],
        rows: c.members.map(m => [m.name, m.jurisdiction ?? '-', h('span', { class: 'mono' }, short(m.peerId))])
      })
    ),
    pending != null ?
      h(
        'section',
        { id: 'tf-awaiting', 'aria-labelledby': 'awaiting-h' },
        h('h2', { id: 'awaiting-h' }, `Version ${pending.version} awaits your signature`),
        h(
          'p',
          null,
          `Proposed by ${names.get(pending.proposedBy) ?? short(pending.proposedBy)} at ${time(pending.proposed)}${
            pending.kind != null ? ` (${pending.kind})` : ''
          }; signed so far by ${pending.signers.map(s => names.get(s) ?? short(s)).join(', ')}.`
        ),
        h(
          'div',
          { class: 'buttons' },
          h('button', {
            type: 'button',
            id: 'tf-sign',
            onClick: () => {
              void act('sign', pending)
            }
          }, 'Sign'),
          h('button', {
            type: 'button',
            class: 'danger',
            onClick: () => {
              setDeclining(!declining)
            }
          }, 'Decline…')
        ),
        declining
          ? h(Decline, {
            version: pending,
            done: (reason) => {
              void act('decline', pending, reason)
            }
          })
          : null
      ) :
      null,
    h(ErrorLine, { error }),
    h(Status, { text: status }),
    h(Table, {
      caption: 'Versions',
      id: 'tf-versions',
      head: ['Version', 'Kind', 'Status', 'Proposed', 'Signed by', 'Declined by'],
      rows: d.versions.map(
        v => [
          String(v.version),
          v.kind ?? '-',
          v.status,
          h('span', null, who(v.proposedBy), ` at ${time(v.proposed)}`),
          h('ul', { class: 'plain' }, v.signers.map(s => h('li', null, who(s)))),
          v.declines.length === 0
            ? '-'
            : h(
              'ul',
              { class: 'plain' },
              v.declines.map(x => h('li', null, who(x.peerId), ` at ${time(x.at)}${x.reason != null ? `: ${x.reason}` : ''}`))
            )
        ]
      )
    })
  )
}
