/**
 * Main-thread side of the envelope check: what the workers found in the store's files
 * (stored-scan.ts, found.ts) goes into the record table as it arrives, newest version of each
 * key winning — LevelDB serves the version with the highest sequence number over all live files,
 * and none if that is a deletion. Once every file and every index record is read, `settle`
 * decides each stored envelope and receipt:
 *
 * - a receipt: its worker checked it completely;
 * - a message: accepted if the worker's check under the signer its payload claims passed, that
 *   signer is the index record's sender and the claimed index tuple is the index record's
 *   (claimed-check.ts says why that is the full check); anything else is returned to be checked
 *   again with the index record (store-pass.ts), which gives the verdict and its wording.
 *
 * @module
 */
import { isPeerId } from '../../../protocol/peer-id.ts'
import type { VerifyContext } from './context.ts'
import { FOUND_BAD_KEY, FOUND_BAD_KEY_DELETED, FOUND_DELETED, FOUND_OK, NO_PEER, RECORD, SUB_ENV } from './found.ts'
import type { Found } from './found.ts'
import { ENVELOPE_CHECKED, HAS_ENVELOPE, HAS_META, HAS_RECEIPT } from './record-table.ts'
import { where } from './store-pass.ts'

export class StoreResults {
  private ctx: VerifyContext | undefined
  private pending: Found[] = []
  private found = 0
  /** Problems of the newest failed version, by record. */
  private readonly problems = new Map<number, string>()
  /** Keys of the wrong shape: newest version per sublevel and key. */
  private readonly badKeys = new Map<string, { seq: number, live: boolean }>()
  /** Index records whose sender is not a string (its text, for the failure). */
  readonly senderText = new Map<number, string>()

  /** Add what a worker found in one file (kept until the record table exists). */
  add (found: Found): void {
    if (this.ctx === undefined) this.pending.push(found)
    else this.apply(this.ctx, found)
  }

  attach (ctx: VerifyContext): void {
    this.ctx = ctx
    for (const found of this.pending) this.apply(ctx, found)
    this.pending = []
  }

  private apply (ctx: VerifyContext, found: Found): void {
    const { table, pool } = ctx
    const view = new DataView(found.buffer)
    const bytes = new Uint8Array(found.buffer)
    const problems = new Map(found.problems)
    const peers = found.peers.map(p => pool.peer(p))
    for (let i = 0; i < found.count; i++) {
      const at = i * RECORD
      const sub = bytes[at]
      const status = bytes[at + 1]
      const peer = view.getUint32(at + 4, true)
      const seq = view.getFloat64(at + 8, true)
      if (status === FOUND_BAD_KEY || status === FOUND_BAD_KEY_DELETED) {
        const key = `${sub}:${problems.get(i) ?? ''}`
        const had = this.badKeys.get(key)
        if (had === undefined || seq > had.seq) this.badKeys.set(key, { seq, live: status === FOUND_BAD_KEY })
        continue
      }
      const slot = sub === SUB_ENV ? 0 : 1 + peers[peer]
      const r = table.record(bytes.subarray(at + 16, at + 48), slot)
      if (seq <= table.storeSeq[r]) continue
      table.storeSeq[r] = seq
      table.foundStatus[r] = status
      table.storedSha.set(bytes.subarray(at + 48, at + 80), r * 32)
      table.claimedTuple.set(bytes.subarray(at + 80, at + 96), r * 16)
      table.claimedPeer[r] = sub === SUB_ENV && peer !== NO_PEER ? peers[peer] : -1
      const problem = problems.get(i)
      if (problem === undefined) this.problems.delete(r)
      else this.problems.set(r, problem)
    }
    this.found += found.count
    ctx.progress('envelopes', this.found, Math.max(this.found, ctx.counts.messageLeaves + ctx.counts.receiptLeaves))
  }

  /**
   * Decide every stored envelope and receipt (see the module header); returns the messages to
   * check again with their index records.
   */
  settle (ctx: VerifyContext): number[] {
    const { table, failures, counts, pool } = ctx
    const recheck: number[] = []
    const valid: Array<boolean | undefined> = []
    const validPeer = (index: number): boolean => {
      let ok = valid[index]
      if (ok === undefined) {
        ok = isPeerId(pool.peers[index])
        valid[index] = ok
      }
      return ok
    }
    for (const [key, { live }] of this.badKeys) {
      if (!live) continue
      const [sub, text] = [Number(key.slice(0, key.indexOf(':'))), key.slice(key.indexOf(':') + 1)]
      if (sub === SUB_ENV) failures.add('message', `envelope ${text}`, 'is stored without an index record')
      else failures.add('receipt', `receipt ${text}`, 'is not keyed by digest!peer')
    }
    for (let r = 0; r < table.count; r++) {
      if (table.storeSeq[r] < 0 || table.foundStatus[r] === FOUND_DELETED) continue
      const status = table.foundStatus[r]
      if (table.slotOf[r] !== 0) {
        table.storeFlags[r] |= HAS_RECEIPT
        counts.receipts++
        if (status === FOUND_OK) {
          table.storeFlags[r] |= ENVELOPE_CHECKED
          counts.receiptsVerified++
        } else {
          failures.add('receipt', where(ctx, r), this.problems.get(r) ?? 'failed')
        }
        continue
      }
      table.storeFlags[r] |= HAS_ENVELOPE
      if ((table.storeFlags[r] & HAS_META) === 0) {
        failures.add('message', `envelope ${table.digestHex(r)}`, 'is stored without an index record')
        continue
      }
      counts.envelopes++
      const sender = table.metaPeer[r]
      if (sender < 0 || !validPeer(sender)) {
        failures.add(
          'message',
          `message ${table.digestHex(r)}`,
          `its index record names a sender that is not a peer ID: ${sender < 0 ? this.senderText.get(r) ?? 'undefined' : pool.peers[sender]}`
        )
        continue
      }
      if (status === FOUND_OK && table.claimedPeer[r] === sender && table.claimEqual(r)) {
        table.storeFlags[r] |= ENVELOPE_CHECKED
        counts.envelopesVerified++
      } else {
        recheck.push(r)
      }
    }
    return recheck
  }
}
