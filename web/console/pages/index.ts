/**
 * The console's page registry: one entry per page, in menu order. A new page (STIX objects,
 * hit/no-hit queries, the evaluation report, task forces…) is one file in this folder and one
 * line here; `menu: false` pages are reached by link (the message view, #/message/DIGEST).
 */
import type { FunctionComponent } from 'preact'
import { Audit } from './audit.ts'
import { Inbox, Message, Outbox } from './messages.ts'
import { Overview } from './overview.ts'
import { Peers } from './peers.ts'
import { Queries } from './queries.ts'
import { Releases } from './releases.ts'
import { ReportPage } from './report.ts'
import { Send } from './send.ts'
import { TaskForce, TaskForces } from './taskforces.ts'

export interface Page {
  id: string
  title: string
  component: FunctionComponent<{ arg: string }>
  menu?: boolean
}

export const PAGES: Page[] = [
  { id: 'overview', title: 'Overview', component: Overview },
  { id: 'peers', title: 'Peers', component: Peers },
  { id: 'inbox', title: 'Inbox', component: Inbox },
  { id: 'outbox', title: 'Outbox', component: Outbox },
  { id: 'send', title: 'Send', component: Send },
  { id: 'releases', title: 'Release requests', component: Releases },
  { id: 'queries', title: 'Hit/no-hit queries', component: Queries },
  { id: 'taskforces', title: 'Task forces', component: TaskForces },
  { id: 'audit', title: 'Audit', component: Audit },
  { id: 'report', title: 'Evaluation report', component: ReportPage },
  { id: 'message', title: 'Message', component: Message, menu: false },
  { id: 'taskforce', title: 'Task force', component: TaskForce, menu: false }
]
