/**
 * Audit: checkpoints, witnessed peers, alerts; asking the peers to witness the latest checkpoint
 * now (as `liaison audit witness`), and export of a bundle for the auditor's page.
 */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { ErrorLine, h, short, Status, Table, time, useApi } from '../ui.ts'

interface Audit {
  size: number
  root: string
  checkpoints: Array<{ size: number, time: number, root: string, cosignatures: number }>
  seen: Array<{ peerId: string, size: number, time?: number }>
  alerts: Array<{ peerId: string, reason: string, detail: string, at: number }>
}

export function Audit (): ComponentChild {
  const audit = useApi<Audit>('/v1/audit')
  const [error, setError] = useState<unknown>(undefined)
  const [status, setStatus] = useState<string | undefined>(undefined)
  const [archive, setArchive] = useState(false)
  const [outcomes, setOutcomes] = useState<Array<{ peerId: string, status: string, detail?: string }> | undefined>(undefined)
  const witnessNow = async (): Promise<void> => {
    setError(undefined)
    setStatus('Asking the peers to cosign…')
    try {
      const r = await api<Array<{ peerId: string, status: string, detail?: string }>>('POST', '/v1/witness', {})
      setOutcomes(r)
      setStatus(`${r.filter(o => o.status === 'cosigned').length} of ${r.length} peers cosigned the latest checkpoint.`)
      audit.reload()
    } catch (err) {
      setError(err)
      setStatus(undefined)
    }
  }
  const exportNow = async (): Promise<void> => {
    setError(undefined)
    setStatus('Exporting…')
    try {
      const r = await api<{ out: string, counts: Record<string, number> }>('POST', `/v1/audit/export${archive ? '?archive=true' : ''}`)
      setStatus(
        `Exported to ${r.out}: ${r.counts.messages} messages, ${r.counts.receipts} receipts, ${r.counts.entries} entries, ` +
          `${r.counts.checkpoints} checkpoints. Open the auditor's page and choose that ${archive ? 'archive' : 'folder'}.`
      )
      audit.reload()
    } catch (err) {
      setError(err)
      setStatus(undefined)
    }
  }
  const a = audit.data
  return h(
    'section',
    null,
    h(ErrorLine, { error: audit.error ?? error }),
    h('p', null, `Log: ${a?.size ?? '…'} entries, root `, h('span', { class: 'mono' }, a?.root ?? '…')),
    h(
      'div',
      { class: 'buttons' },
      h('button', {
        type: 'button',
        id: 'witness-now',
        onClick: () => {
          void witnessNow()
        }
      }, 'Ask the peers to witness the latest checkpoint'),
      h('button', {
        type: 'button',
        id: 'export-bundle',
        onClick: () => {
          void exportNow()
        }
      }, 'Sign a checkpoint and export a bundle'),
      h(
        'span',
        { class: 'field check' },
        h('input', {
          id: 'export-archive',
          type: 'checkbox',
          checked: archive,
          onChange: (e: Event) => {
            setArchive((e.target as HTMLInputElement).checked)
          }
        }),
        h('label', { for: 'export-archive' }, 'as one .zip archive')
      ),
      h('a', { href: '/auditor.html', target: '_blank', rel: 'noopener' }, "Open the auditor's page")
    ),
    h(Status, { text: status }),
    outcomes != null
      ? h(Table, {
        caption: 'What each peer answered',
        id: 'witness-outcomes',
        head: ['Peer', 'Answer', 'Detail'],
        rows: outcomes.map(o => [h('span', { class: 'mono', title: o.peerId }, short(o.peerId)), o.status, o.detail ?? '-'])
      })
      : null,
    h(Table, {
      caption: 'Witness alerts',
      id: 'alerts',
      head: ['Peer', 'Reason', 'Detail', 'At'],
      rows: (a?.alerts ?? []).map(x => [short(x.peerId), x.reason, x.detail, time(x.at)])
    }),
    h(Table, {
      caption: 'Checkpoints of this node',
      id: 'checkpoints',
      head: ['Size', 'Time', 'Root', 'Witness cosignatures'],
      rows: (a?.checkpoints ?? []).slice().reverse().map(
        c => [String(c.size), time(c.time * 1000), h('span', { class: 'mono' }, c.root), String(c.cosignatures)]
      )
    }),
    h(Table, {
      caption: "Peers' checkpoints this node witnessed",
      id: 'witnessed',
      head: ['Peer', 'Size', 'Time'],
      rows: (a?.seen ?? []).map(x => [h('span', { class: 'mono' }, short(x.peerId)), String(x.size), x.time != null ? time(x.time * 1000) : '-'])
    })
  )
}
