/**
 * The evaluation report (docs/report.md): period and breakdown, then the node computes the
 * report from its audit log (GET /v1/report/charts: the report and its charts). The charts are
 * the HTML report's, rendered by the node as SVG and shown here as images from data: URLs, so
 * no chart library runs in the console and an SVG can neither script nor fetch; every figure's
 * table follows, as `liaison report` prints it.
 */
import type { ComponentChild } from 'preact'
import { useState } from 'preact/hooks'
import { api } from '../api.ts'
import { cellText } from '../../../node/report/format-text.ts'
import { DIMENSIONS, type FigureTable, type Report } from '../../../node/report/types.ts'
import { ErrorLine, Field, h, short, Table } from '../ui.ts'

interface Charts {
  report: Report
  charts: Array<{ id: string, title: string, svg: string }>
}

function peerCell (r: Report, c: unknown): ComponentChild {
  const id = String(c)
  return h('span', { title: id }, r.peers[id] != null ? `${r.peers[id]} (${short(id)})` : short(id))
}

function Figure ({ id, t, r }: { id: string, t: FigureTable, r: Report }): ComponentChild {
  return h(Table, {
    caption: t.title,
    id: `figure-${id}`,
    head: t.columns,
    rows: t.rows.map(row => row.map((c, i) => t.columns[i] === 'peer' && typeof c === 'string' ? peerCell(r, c) : cellText(c, t.columns[i])))
  })
}

export function ReportPage (): ComponentChild {
  const [f, setF] = useState<{ from: string, to: string, by: string[] }>({ from: '', to: '', by: [] })
  const [data, setData] = useState<Charts | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(undefined)
  const run = async (e: Event): Promise<void> => {
    e.preventDefault()
    setError(undefined)
    setBusy(true)
    const q = new URLSearchParams()
    if (f.from !== '') q.set('from', f.from)
    if (f.to !== '') q.set('to', f.to)
    if (f.by.length > 0) q.set('by', f.by.join(','))
    try {
      setData(await api<Charts>('GET', `/v1/report/charts${q.size > 0 ? '?' + q.toString() : ''}`))
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const toggle = (d: string) => (e: Event) => {
    const on = (e.target as HTMLInputElement).checked
    setF({ ...f, by: on ? [...f.by, d] : f.by.filter(x => x !== d) })
  }
  const r = data?.report
  return h(
    'section',
    { id: 'report' },
    h(
      'form',
      {
        id: 'report-form',
        onSubmit: (e: Event) => {
          void run(e)
        }
      },
      h(
        'div',
        { class: 'filters' },
        h(
          Field,
          { id: 'r-from', label: 'From (date)' },
          h('input', {
            id: 'r-from',
            type: 'date',
            value: f.from,
            onInput: (e: Event) => {
              setF({ ...f, from: (e.target as HTMLInputElement).value })
            }
          })
        ),
        h(
          Field,
          { id: 'r-to', label: 'To (date)' },
          h('input', {
            id: 'r-to',
            type: 'date',
            value: f.to,
            onInput: (e: Event) => {
              setF({ ...f, to: (e.target as HTMLInputElement).value })
            }
          })
        )
      ),
      h(
        'fieldset',
        { class: 'filters' },
        h('legend', null, 'Break down by'),
        DIMENSIONS.map(d =>
          h(
            'div',
            { class: 'field check' },
            h('input', { id: `r-by-${d}`, type: 'checkbox', checked: f.by.includes(d), onChange: toggle(d) }),
            h('label', { for: `r-by-${d}` }, d)
          )
        )
      ),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'run-report', disabled: busy }, busy ? 'Computing…' : 'Compute report'))
    ),
    h(ErrorLine, { error }),
    r != null && data != null ?
      h(
        'div',
        { id: 'report-result' },
        h(
          'dl',
          { id: 'report-header' },
          h('dt', null, 'Node'),
          h('dd', { class: 'mono' }, r.node),
          h('dt', null, 'Period'),
          h(
            'dd',
            null,
            `${r.query.from ?? 'start of log'} … ${r.query.to ?? 'checkpoint'}; breakdown ${r.query.by.length > 0 ? r.query.by.join(', ') : 'none'}`
          ),
          h('dt', null, 'Computed from'),
          h('dd', null, `checkpoint size ${r.checkpoint.size}, root `, h('span', { class: 'mono' }, r.checkpoint.root)),
          h('dt', null, 'Coverage'),
          h(
            'dd',
            { id: 'report-coverage' },
            `${r.coverage.entries} entries read, ${r.coverage.counted} in the period, ${r.coverage.uncorrelated} joins given up; generated ${r.generatedAt}`
          )
        ),
        h('h2', null, 'Charts'),
        h(
          'div',
          { class: 'charts' },
          data.charts.map(c =>
            h(
              'figure',
              { class: 'chart', id: `chart-${c.id}` },
              h('img', {
                src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(c.svg)}`,
                alt: `${c.title} (chart; the figures are in the tables below)`
              }),
              h('figcaption', null, c.title)
            )
          )
        ),
        h('h2', null, 'Figures'),
        Object.entries(r.figures).map(([id, t]) => h(Figure, { id, t, r }))
      ) :
      null
  )
}
