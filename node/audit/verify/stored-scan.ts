/**
 * Worker side of the envelope check: while a worker holds a store file in memory for its
 * checksums, it also reads the message envelopes and receipts the file holds (leveldb/
 * table-entries.ts) and checks them right there — receipts completely (their key names digest
 * and signer), messages under their claimed signer (claimed-check.ts) — so envelopes never pass
 * through LevelDB, the main thread or a message between threads. Every version in the file is
 * reported with its sequence number; the main thread keeps the newest of each key, which is
 * what LevelDB serves (store-results.ts). The audit entries the file holds are read in the same
 * pass and handed to entry-scan.ts.
 *
 * @module
 */
import { isPeerId } from '../../../protocol/peer-id.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import { logEntries, prefixRange, tableEntries } from '../leveldb/table-entries.ts'
import { checkClaimedMessages } from './claimed-check.ts'
import type { ClaimedItem } from './claimed-check.ts'
import { checkStoredEnvelopes } from './envelope-check.ts'
import type { EnvelopeToCheck } from './envelope-check.ts'
import { EntryWriter } from './entry-scan.ts'
import type { FoundEntries } from './entry-scan.ts'
import { FOUND_BAD_KEY, FOUND_BAD_KEY_DELETED, FOUND_DELETED, FOUND_FAILED, FOUND_OK, FOUND_RECHECK, FoundWriter, SUB_ENV, SUB_RCPT } from './found.ts'
import type { Found } from './found.ts'
import { hexInto } from './record-table.ts'

const ENV = prefixRange('!env!')
const RCPT = prefixRange('!rcpt!')
const ENTRY = prefixRange('!audit-entry!')
const RANGES = [ENV, RCPT, ENTRY]
const HEX = /^[0-9a-f]{64}$/
/**
 * Envelopes checked per batch: enough for the signature loop to run undisturbed, few enough that
 * a batch's objects die young (a file's worth alive at once makes every scavenge copy them).
 */
const BATCH = 256
const utf8 = new TextDecoder()

function startsWith (key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false
  return true
}

/** 64 lowercase hex digits at key[at, at + 64)? */
function hexAt (key: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 64; i++) {
    const c = key[i]
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false
  }
  return true
}

const validPeers = new Map<string, boolean>()

function validPeer (peerId: string): boolean {
  let ok = validPeers.get(peerId)
  if (ok === undefined) {
    ok = isPeerId(peerId)
    validPeers.set(peerId, ok)
  }
  return ok
}

/** A table's bytes, or the records of a log (file-check.ts `readLogFile`). */
export type StoreFile = { kind: 'table', bytes: Uint8Array } | { kind: 'log', records: Uint8Array[] }

/**
 * Read and check the envelopes and receipts of one store file. `checked`: the whole file already
 * passed its checksum checks (else each table block read is checked, and problems reading the
 * entries are left to those checks to report). Returns what it found and the problems.
 */
export function scanStoreFile (
  source: StoreFile,
  checked: boolean,
  keyOf: (peerId: string) => VerifyKey | null
): { found: Found, entries: FoundEntries, problems: string[] } {
  const out = new FoundWriter()
  const entries = new EntryWriter()
  const messages: ClaimedItem[] = []
  const messageRecords: number[] = []
  const receipts: EnvelopeToCheck[] = []
  const receiptRecords: number[] = []
  const digest = new Uint8Array(32)
  const visit = (key: Uint8Array, seq: number, deleted: boolean, value: Uint8Array): void => {
    if (startsWith(key, ENTRY.lo)) {
      entries.add(key.subarray(ENTRY.lo.length), seq, deleted, value)
      return
    }
    if (startsWith(key, ENV.lo)) {
      if (key.length !== ENV.lo.length + 64 || !hexAt(key, ENV.lo.length)) {
        out.problems.push([out.add(SUB_ENV, deleted ? FOUND_BAD_KEY_DELETED : FOUND_BAD_KEY, seq, undefined), utf8.decode(key.subarray(ENV.lo.length))])
        return
      }
      hexInto(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1', ENV.lo.length), digest)
      const record = out.add(SUB_ENV, deleted ? FOUND_DELETED : FOUND_RECHECK, seq, digest)
      if (!deleted) {
        messages.push({ bytes: value, digest: digest.slice() })
        messageRecords.push(record)
        if (messages.length === BATCH) checkMessages()
      }
      return
    }
    const text = utf8.decode(key.subarray(RCPT.lo.length))
    const sep = text.indexOf('!')
    const hex = text.slice(0, sep)
    const by = text.slice(sep + 1)
    if (sep < 0 || !HEX.test(hex) || !validPeer(by)) {
      out.problems.push([out.add(SUB_RCPT, deleted ? FOUND_BAD_KEY_DELETED : FOUND_BAD_KEY, seq, undefined), text])
      return
    }
    hexInto(hex, digest)
    const record = out.add(SUB_RCPT, deleted ? FOUND_DELETED : FOUND_FAILED, seq, digest, by)
    if (deleted) return
    const signer = keyOf(by)
    if (signer === null) {
      out.problems.push([record, `signer ${by} is not an Ed25519 peer ID`])
      return
    }
    receipts.push({ bytes: value, signer, expect: { kind: 'receipt', digest: digest.slice() } })
    receiptRecords.push(record)
    if (receipts.length === BATCH) checkReceipts()
  }
  const checkMessages = (): void => {
    const claimed = checkClaimedMessages(messages, keyOf)
    for (let i = 0; i < claimed.length; i++) {
      const r = messageRecords[i]
      const check = claimed[i]
      out.setHash(r, 48, check.sha256, 32)
      if (check.ok) {
        out.setStatus(r, FOUND_OK)
        out.setPeer(r, check.signer)
        out.setHash(r, 80, check.tuple, 16)
      }
    }
    messages.length = 0
    messageRecords.length = 0
  }
  const checkReceipts = (): void => {
    const checkedReceipts = checkStoredEnvelopes(receipts)
    for (let i = 0; i < checkedReceipts.length; i++) {
      const r = receiptRecords[i]
      const check = checkedReceipts[i]
      out.setHash(r, 48, check.sha256, 32)
      if (check.ok) out.setStatus(r, FOUND_OK)
      else out.problems.push([r, check.problem])
    }
    receipts.length = 0
    receiptRecords.length = 0
  }
  const problems = source.kind === 'table' ? tableEntries(source.bytes, RANGES, !checked, visit) : logEntries(source.records, RANGES, visit)
  checkMessages()
  checkReceipts()
  return { found: out.finish(), entries: entries.finish(), problems: checked ? problems : [] }
}
