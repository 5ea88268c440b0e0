/**
 * THE route table of the local API: every route the node serves, in one list. The server
 * matches and validates requests from it (../dispatch.ts), and `/openapi.json` is generated
 * from it (../openapi.ts) — a route cannot exist undocumented or be documented without
 * existing. Two paths are served beside the table by the node's wiring and documented in
 * openapi.ts: `GET /metrics` (text) and `GET /openapi.json` itself.
 *
 * ## Adding a route
 * 1. Put it in the file of its group (`routes/<group>.ts`, one file per group: messages,
 *    trust, policy, forwarding, keys, audit, node). A new group is a new file exporting
 *    `export const <group>Routes: Route[] = [...]`, added to ROUTES below and its tag to
 *    `TAGS` in ../openapi.ts.
 * 2. Write it with `defineRoute({ method, path, operationId, summary, tags, params?, query?,
 *    body?, response, errors?, handler })`:
 *    - `path` is an OpenAPI template (`/v1/reports/{reportId}`); `params` is a
 *      `z.strictObject` naming exactly its `{…}` segments.
 *    - `query` is a `z.strictObject` of string-valued parameters; use `boolParam`,
 *      `positiveIntParam`, `instantParam` from ../schemas.ts to turn them into values.
 *    - `body` is the JSON body; use `z.strictObject` (unknown keys are then rejected) and
 *      `noBody` for a POST that takes none. Without `body` the route refuses any body.
 *    - `response` is the 200 body's schema; shared shapes live in ../schemas.ts, made with
 *      `named('Name', …)` to appear once under components.schemas.
 *    - `errors` lists the statuses besides 200/401/500 it can answer (400 whenever it takes
 *      any input).
 *    - `handler({ params, query, body, service })` gets only input that passed every schema
 *      (with transforms applied) and returns the response value. Refusals throw `NodeError`
 *      with a code from node/errors.ts; the server maps the code to the status.
 * 3. Nothing else: the document, the validation, the 400 answers and the tests
 *    (test/unit/openapi.test.ts, test/e2e/api-fuzz.test.ts) pick the route up from here.
 *    Give test/e2e/api-fuzz.test.ts a valid sample body if the route takes one.
 *
 * @module
 */
import type { Route } from '../route.ts'
import { auditRoutes } from './audit.ts'
import { forwardingRoutes } from './forwarding.ts'
import { keyRoutes } from './keys.ts'
import { messageRoutes } from './messages.ts'
import { nodeRoutes } from './node.ts'
import { policyRoutes } from './policy.ts'
import { reportRoutes } from './report.ts'
import { taxiiRoutes } from './taxii.ts'
import { queryRoutes } from './query.ts'
import { trustRoutes } from './trust.ts'
import { taskForceRoutes } from './taskforce.ts'

export const ROUTES: readonly Route[] = [
  ...nodeRoutes,
  ...messageRoutes,
  ...trustRoutes,
  ...policyRoutes,
  ...forwardingRoutes,
  ...keyRoutes,
  ...auditRoutes,
  ...reportRoutes,
  ...taxiiRoutes,
  ...queryRoutes,
  ...taskForceRoutes
]

export type { Route } from '../route.ts'
