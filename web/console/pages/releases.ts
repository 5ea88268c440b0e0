/** Release requests: those waiting for this node's decision (as originator), grant or deny; the rest listed. */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { confirmAction, ErrorLine, h, short, Status, Table, time, useApi } from '../ui.ts'

interface Release {
  requestId: string
  direction: string
  status: string
  messageId: string
  forwarder: string
  recipient: string
  reason: string
  updatedAt: number
  grantExpires?: string
}

export function Releases (): ComponentChild {
  const list = useApi<Release[]>('/v1/releases')
  const [error, setError] = useState<unknown>(undefined)
  const [status, setStatus] = useState<string | undefined>(undefined)
  const answer = async (r: Release, d: 'grant' | 'deny'): Promise<void> => {
    if (!confirmAction(`${d === 'grant' ? 'Grant' : 'Deny'} forwarding of ${r.messageId} by ${r.forwarder} to ${r.recipient}?`)) return
    try {
      await api('POST', `/v1/releases/${encodeURIComponent(r.requestId)}/${d}`, {})
      setStatus(`${d === 'grant' ? 'Granted' : 'Denied'} ${r.requestId}.`)
      list.reload()
    } catch (err) {
      setError(err)
    }
  }
  const all = list.data ?? []
  const waiting = all.filter(r => r.status === 'pending' && r.direction === 'in')
  return h(
    'section',
    null,
    h(ErrorLine, { error: list.error ?? error }),
    h(Status, { text: status }),
    h(Table, {
      caption: 'Waiting for your decision',
      id: 'releases-waiting',
      head: ['Message', 'Forwarder', 'Recipient', 'Reason', 'Decision'],
      rows: waiting.map(
        r => [
          short(r.messageId),
          h('span', { class: 'mono' }, short(r.forwarder)),
          h('span', { class: 'mono' }, short(r.recipient)),
          r.reason,
          h(
            'span',
            { class: 'buttons' },
            h('button', {
              type: 'button',
              onClick: () => {
                void answer(r, 'grant')
              }
            }, 'Grant'),
            h('button', {
              type: 'button',
              class: 'danger',
              onClick: () => {
                void answer(r, 'deny')
              }
            }, 'Deny')
          )
        ]
      )
    }),
    h(Table, {
      caption: 'All release requests',
      id: 'releases-all',
      head: ['Request', 'Direction', 'Status', 'Message', 'Recipient', 'Updated'],
      rows: all.map(r => [short(r.requestId), r.direction, r.status, short(r.messageId), short(r.recipient), time(r.updatedAt)])
    })
  )
}
