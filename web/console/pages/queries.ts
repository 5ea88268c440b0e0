/**
 * Hit/no-hit queries (PROTOCOL.md §19): this node's own index (records per selector type, OPRF
 * key), a query to a peer with the answer per selector and a follow-up for a hit, and the
 * follow-ups other agencies sent this node, waiting for its operator's decision: answer with a
 * `response` in reply to the rfi, or refuse (also a `response`, saying so), both sent through
 * POST /v1/messages, policy-checked and audited as any message.
 */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { TLP_LEVELS } from '../../../protocol/types.ts'
import { confirmAction, ErrorLine, Field, h, short, Status, Table, time, useApi } from '../ui.ts'

interface IndexInfo {
  types: Record<string, number>
  selectorTypes: string[]
  oprfKey: { epoch: number, keyId: string, created: string }
}
interface Outcome {
  queryId: string
  to: string
  type: string
  count: number
  hits: number
  keyId: string
  results: Array<{ index: number, result: 'hit' | 'no-hit', hitRef: string | null }>
}
interface Pending {
  message: string
  messageId: string
  from: string
  received: string
  type: string
  selector: string
  hitRef: unknown
  reason: unknown
  localRef: string | null
  legalBasis: string
}
interface Peer {
  peerId: string
  name: string
  status: string
}

const value = (e: Event): string => (e.target as HTMLInputElement).value

function IndexStats ({ index }: { index: IndexInfo | undefined }): ComponentChild {
  const types = index?.selectorTypes ?? []
  return h(
    'section',
    { 'aria-labelledby': 'index-h' },
    h('h2', { id: 'index-h' }, "This node's index"),
    h(Table, {
      caption: 'Indexed records per selector type',
      id: 'index-stats',
      head: ['Selector type', 'Records'],
      rows: types.map(t => [t, String(index?.types[t] ?? 0)])
    }),
    index != null
      ? h(
        'p',
        { id: 'oprf-key' },
        `OPRF key epoch ${index.oprfKey.epoch}, id `,
        h('span', { class: 'mono' }, index.oprfKey.keyId),
        `, since ${index.oprfKey.created}`
      )
      : null
  )
}

function Ask ({ peers, types }: { peers: Peer[], types: string[] }): ComponentChild {
  const [f, setF] = useState({ to: '', type: '', selectors: '', legalBasis: '', purpose: '', region: '' })
  const [outcome, setOutcome] = useState<{ o: Outcome, asked: string[] } | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const [follow, setFollow] = useState({ hitRef: '', reason: '' })
  const [status, setStatus] = useState<string | undefined>(undefined)
  const set = (k: keyof typeof f) => (e: Event) => {
    setF({ ...f, [k]: value(e) })
  }
  const ask = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    setStatus(undefined)
    setOutcome(undefined)
    const asked = f.selectors.split('\n').map(s => s.trim()).filter(s => s !== '')
    setBusy(true)
    try {
      const o = await api<Outcome>('POST', '/v1/queries', {
        to: f.to,
        type: f.type,
        selectors: asked,
        legalBasis: f.legalBasis,
        purpose: f.purpose,
        ...(f.region.trim() !== '' ? { region: f.region.trim() } : {})
      })
      setOutcome({ o, asked })
      setFollow({ hitRef: o.results.find(r => r.hitRef != null)?.hitRef ?? '', reason: '' })
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const followUp = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    setStatus(undefined)
    if (!confirmAction('Send the answering agency a request for information naming this selector in plain text?')) return
    try {
      const r = await api<{ id: string, recipients: Array<{ peerId: string, status: string }> }>('POST', '/v1/queries/follow-up', follow)
      setStatus(`Follow-up ${r.id} sent: ${r.recipients.map(x => `${short(x.peerId)} ${x.status}`).join(', ')}`)
    } catch (err) {
      setError(err)
    }
  }
  const hits = outcome?.o.results.filter(r => r.hitRef != null) ?? []
  return h(
    'section',
    { 'aria-labelledby': 'ask-h' },
    h('h2', { id: 'ask-h' }, 'Ask a peer'),
    h(
      'form',
      {
        id: 'query-form',
        onSubmit: (e: Event) => {
          void ask(e)
        }
      },
      h(
        Field,
        { id: 'q-to', label: 'Peer' },
        h(
          'select',
          { id: 'q-to', value: f.to, required: true, onChange: set('to') },
          h('option', { value: '' }, '(choose a peer)'),
          peers.filter(p => p.status === 'active').map(p => h('option', { value: p.peerId }, `${p.name} (${short(p.peerId)})`))
        )
      ),
      h(
        Field,
        { id: 'q-type', label: 'Selector type' },
        h(
          'select',
          { id: 'q-type', value: f.type, required: true, onChange: set('type') },
          h('option', { value: '' }, '(choose a type)'),
          types.map(t => h('option', { value: t }, t))
        )
      ),
      h(
        Field,
        { id: 'q-selectors', label: 'Selectors, one per line', hint: 'Blinded in this node before they leave it: the peer never sees them.' },
        h('textarea', { id: 'q-selectors', rows: 5, value: f.selectors, required: true, 'aria-describedby': 'q-selectors-hint', onInput: set('selectors') })
      ),
      h(
        Field,
        { id: 'q-legal', label: 'Legal basis (agreement ID)' },
        h('input', { id: 'q-legal', value: f.legalBasis, required: true, onInput: set('legalBasis') })
      ),
      h(Field, { id: 'q-purpose', label: 'Purpose' }, h('input', { id: 'q-purpose', value: f.purpose, required: true, onInput: set('purpose') })),
      h(
        Field,
        { id: 'q-region', label: 'Region for national phone numbers (optional, e.g. DE)' },
        h('input', { id: 'q-region', value: f.region, maxLength: 2, onInput: set('region') })
      ),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'run-query', disabled: busy }, busy ? 'Asking…' : 'Run query'))
    ),
    outcome != null ?
      h(
        'div',
        { id: 'query-outcome' },
        h(
          'p',
          { role: 'status', class: 'status' },
          `${outcome.o.hits} hit${
            outcome.o.hits === 1 ? '' : 's'
          } of ${outcome.o.count} selectors (query ${outcome.o.queryId}, OPRF key ${outcome.o.keyId}; proof checked by this node)`
        ),
        h(Table, {
          caption: 'Answer per selector',
          id: 'query-results',
          head: ['#', 'Selector', 'Result', 'Hit reference'],
          rows: outcome.o.results.map(
            r => [
              String(r.index + 1),
              h('span', { class: 'mono' }, outcome.asked[r.index] ?? ''),
              h('span', { class: r.result === 'hit' ? 'hit' : '' }, r.result),
              r.hitRef != null ? h('span', { class: 'mono' }, r.hitRef) : '-'
            ]
          )
        }),
        hits.length > 0 ?
          h(
            'form',
            {
              id: 'follow-up-form',
              onSubmit: (e: Event) => {
                void followUp(e)
              }
            },
            h('h3', null, 'Follow a hit up'),
            h(
              Field,
              { id: 'fu-hit', label: 'Hit' },
              h('select', {
                id: 'fu-hit',
                value: follow.hitRef,
                onChange: (e: Event) => {
                  setFollow({ ...follow, hitRef: value(e) })
                }
              }, hits.map(r => h('option', { value: r.hitRef ?? '' }, `${outcome.asked[r.index] ?? ''} (${r.hitRef ?? ''})`)))
            ),
            h(
              Field,
              { id: 'fu-reason', label: 'Reason for asking for the record' },
              h('textarea', {
                id: 'fu-reason',
                rows: 2,
                value: follow.reason,
                required: true,
                onInput: (e: Event) => {
                  setFollow({ ...follow, reason: value(e) })
                }
              })
            ),
            h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Send follow-up'))
          ) :
          null
      ) :
      null,
    h(ErrorLine, { error }),
    h(Status, { text: status })
  )
}

function Decide ({ item, mode, done }: { item: Pending, mode: 'answer' | 'refuse', done: (text?: string) => void }): ComponentChild {
  const [tlp, setTlp] = useState('AMBER')
  const [text, setText] = useState(mode === 'answer' ? '{\n  "summary": ""\n}' : '')
  const [error, setError] = useState<unknown>(undefined)
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    let body: unknown
    if (mode === 'answer') {
      try {
        body = JSON.parse(text)
      } catch {
        setError(new Error('The answer is not JSON'))
        return
      }
    } else body = { queryFollowUp: { hitRef: item.hitRef, decision: 'refused', reason: text } }
    if (!confirmAction(`${mode === 'answer' ? 'Answer' : 'Refuse'} the follow-up from ${item.from} about ${item.type} ${item.selector}?`)) return
    try {
      const r = await api<{ id: string, recipients: Array<{ peerId: string, status: string }> }>('POST', '/v1/messages?wait=true&timeoutMs=20000', {
        to: [item.from],
        kind: 'response',
        tlp,
        topic: 'query-follow-up',
        legalBasis: item.legalBasis,
        handling: [],
        inReplyTo: item.messageId,
        body
      })
      done(
        `${mode === 'answer' ? 'Answered' : 'Refused'} the follow-up ${item.messageId} with ${r.id}: ${
          r.recipients.map(x => `${short(x.peerId)} ${x.status}`).join(', ')
        }`
      )
    } catch (err) {
      setError(err)
    }
  }
  return h(
    'form',
    {
      id: 'decision-form',
      onSubmit: (e: Event) => {
        void submit(e)
      }
    },
    h('h3', null, `${mode === 'answer' ? 'Answer' : 'Refuse'} the follow-up about ${item.selector}`),
    h(
      Field,
      { id: 'd-tlp', label: 'TLP of the response' },
      h('select', {
        id: 'd-tlp',
        value: tlp,
        onChange: (e: Event) => {
          setTlp(value(e))
        }
      }, TLP_LEVELS.map(t => h('option', { value: t }, t)))
    ),
    h(
      Field,
      { id: 'd-text', label: mode === 'answer' ? 'Answer (JSON body of the response)' : 'Reason for refusing' },
      h('textarea', {
        id: 'd-text',
        rows: mode === 'answer' ? 6 : 2,
        value: text,
        required: true,
        onInput: (e: Event) => {
          setText(value(e))
        }
      })
    ),
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit', class: mode === 'refuse' ? 'danger' : '' }, mode === 'answer' ? 'Send answer' : 'Send refusal'),
      h('button', {
        type: 'button',
        class: 'secondary',
        onClick: () => {
          done()
        }
      }, 'Cancel')
    ),
    h(ErrorLine, { error })
  )
}

function PendingFollowUps (): ComponentChild {
  const list = useApi<Pending[]>('/v1/queries/pending')
  const [deciding, setDeciding] = useState<{ item: Pending, mode: 'answer' | 'refuse' } | undefined>(undefined)
  const [status, setStatus] = useState<string | undefined>(undefined)
  return h(
    'section',
    { 'aria-labelledby': 'pending-h' },
    h('h2', { id: 'pending-h' }, 'Follow-ups waiting for your decision'),
    h(ErrorLine, { error: list.error }),
    h(Table, {
      caption: "Requests for the record behind a hit in this node's index",
      id: 'pending-follow-ups',
      head: ['Received', 'From', 'Type', 'Selector', 'Local reference', 'Reason', 'Decision'],
      rows: (list.data ?? []).map(
        p => [
          time(p.received),
          h('span', { class: 'mono' }, short(p.from)),
          p.type,
          h('span', { class: 'mono' }, p.selector),
          p.localRef ?? '(no longer indexed)',
          String(p.reason ?? ''),
          h(
            'span',
            { class: 'buttons' },
            h('button', {
              type: 'button',
              onClick: () => {
                setStatus(undefined)
                setDeciding({ item: p, mode: 'answer' })
              }
            }, 'Answer'),
            h('button', {
              type: 'button',
              class: 'danger',
              onClick: () => {
                setStatus(undefined)
                setDeciding({ item: p, mode: 'refuse' })
              }
            }, 'Refuse')
          )
        ]
      )
    }),
    deciding != null
      ? h(Decide, {
        key: `${deciding.item.message}/${deciding.mode}`,
        ...deciding,
        done: (text?: string) => {
          setDeciding(undefined)
          setStatus(text)
          list.reload()
        }
      })
      : null,
    h(Status, { text: status })
  )
}

export function Queries (): ComponentChild {
  const index = useApi<IndexInfo>('/v1/queries/index')
  const peers = useApi<Peer[]>('/v1/peers')
  return h(
    'div',
    { id: 'queries' },
    h(ErrorLine, { error: index.error ?? peers.error }),
    h(IndexStats, { index: index.data }),
    h(Ask, { peers: peers.data ?? [], types: index.data?.selectorTypes ?? [] }),
    h(PendingFollowUps, null)
  )
}
