/** Overview: health, peers up and down, delivery queues, alerts, the latest checkpoint. */
import type { ComponentChild } from 'preact'
import { ErrorLine, h, Table, time, useApi, short } from '../ui.ts'

interface Health {
  status: string
  peerId: string
  name: string
  running: boolean
  connected?: string[]
}
interface Peer {
  peerId: string
  name: string
  status: string
}
interface Delivery {
  digest: string
  peerId: string
  status: string
}
interface Audit {
  size: number
  checkpoints: Array<{ size: number, time: number }>
  alerts: Array<{ peerId: string, reason: string, detail: string, at: number }>
}

export function Overview (): ComponentChild {
  const health = useApi<Health>('/v1/health')
  const peers = useApi<Peer[]>('/v1/peers')
  const outbox = useApi<Delivery[]>('/v1/outbox')
  const audit = useApi<Audit>('/v1/audit')
  const connected = new Set(health.data?.connected ?? [])
  const queued = (outbox.data ?? []).filter(d => d.status === 'queued' || d.status === 'pending').length
  const latest = audit.data?.checkpoints.at(-1)
  return h(
    'section',
    null,
    h(ErrorLine, { error: health.error ?? peers.error ?? outbox.error ?? audit.error }),
    h(
      'div',
      { class: 'cards' },
      h(
        'div',
        { class: 'card', id: 'health' },
        h('h2', null, 'Node'),
        h('p', { class: health.data?.status === 'ready' ? 'ok' : 'bad' }, health.data?.status ?? '…'),
        h('p', null, health.data?.name ?? ''),
        h('p', { class: 'mono' }, short(health.data?.peerId))
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', null, 'Peers'),
        h(
          'p',
          null,
          `${(peers.data ?? []).filter(p => connected.has(p.peerId)).length} up, ${
            (peers.data ?? []).filter(p => p.status === 'active' && !connected.has(p.peerId)).length
          } down, ${(peers.data ?? []).filter(p => p.status !== 'active').length} suspended or revoked`
        )
      ),
      h('div', { class: 'card' }, h('h2', null, 'Queues'), h('p', null, `${queued} deliveries waiting, ${(outbox.data ?? []).length} delivery records`)),
      h(
        'div',
        { class: 'card' },
        h('h2', null, 'Audit log'),
        h('p', null, `${audit.data?.size ?? '…'} entries; latest checkpoint ${latest != null ? `size ${latest.size} at ${time(latest.time * 1000)}` : 'none'}`)
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', null, 'Alerts'),
        h('p', { class: (audit.data?.alerts.length ?? 0) > 0 ? 'bad' : 'ok' }, `${audit.data?.alerts.length ?? 0} witness alerts`)
      )
    ),
    h(Table, {
      caption: 'Peers',
      head: ['Name', 'Peer ID', 'Status', 'Connection'],
      rows: (peers.data ?? []).map(p => [p.name, h('span', { class: 'mono' }, short(p.peerId)), p.status, connected.has(p.peerId) ? 'up' : 'down'])
    })
  )
}
