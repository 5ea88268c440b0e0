/**
 * `liaison index rotate-key`: the operator's OPRF key rotation (PROTOCOL.md §19.2), audited as
 * `query.key-rotated` with reason `operator` whether the node runs or not. A running node holds
 * the store, so it is asked through the local API (`POST /v1/queries/index/rotate-key`: answers
 * wait while it re-keys); on a stopped node the index and the store are opened here.
 *
 * @module
 */
import { ApiClient } from '../api/client.ts'
import type { OprfRotation } from '../query/rotation.ts'
import { LocalService } from '../service/index.ts'
import { openService } from './context.ts'

export async function rotateIndexKey (dataDir: string): Promise<OprfRotation> {
  const handle = await openService(dataDir)
  try {
    if (handle.service instanceof ApiClient) return await handle.service.call<OprfRotation>('POST', '/v1/queries/index/rotate-key', {})
    if (handle.service instanceof LocalService) return await handle.service.rotateOprfKey('operator')
    throw new TypeError('unexpected service')
  } finally {
    await handle.close()
  }
}
