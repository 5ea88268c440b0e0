/**
 * Every default of the running node, named and documented in one place. The CLI, the config
 * schema and the docs read them from here; nothing else redefines them.
 *
 * @module
 */

/** Where a node keeps its data when neither --data-dir nor LIAISON_DATA_DIR is given. */
export const DEFAULT_DATA_DIR = './data'

/** Listen address of a new node: loopback, an ephemeral port chosen by the OS. */
export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0']

/** The local API binds here unless the config says otherwise (port 0 = ephemeral). */
export const DEFAULT_API_HOST = '127.0.0.1'
export const DEFAULT_API_PORT = 0

/** Accepted difference between a message's `created` and this node's clock. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000

/** Lifetime of a message sent without --expires. */
export const DEFAULT_MESSAGE_TTL_MS = 30 * 24 * 60 * 60 * 1000
/**
 * After a peer's key rotation is applied, envelopes signed by its retired key are still accepted
 * for this long over a connection authenticated by its new key (messages it queued before it
 * switched keys; PROTOCOL.md §14). As long as a message lives by default.
 */
export const DEFAULT_ROTATION_GRACE_MS = DEFAULT_MESSAGE_TTL_MS

/**
 * Frames one delivery lane keeps in flight before it waits for receipts. Measured on a 2-core
 * machine (1 KiB bodies): 256 → 1,510 msg/s, 1024 → 1,730 msg/s, 2048 → 1,840 msg/s; larger
 * windows mostly add queueing, so 1024 it is, with the byte cap below for large messages.
 */
export const DEFAULT_DELIVERY_WINDOW = 1024

/**
 * Worker threads that verify Ed25519 signatures of inbound envelopes and receipts: one core is
 * left to the event loop (libp2p, LevelDB, the API), the others verify; at least one.
 */
export function defaultVerifyWorkers (cores: number): number {
  return Math.max(1, Math.min(8, cores - 1))
}

/** Verification workers stop after this long without work (an idle node runs none). */
export const DEFAULT_VERIFY_WORKER_IDLE_MS = 30_000

/** Envelope bytes one delivery lane keeps in flight, whatever the window says. */
export const DEFAULT_DELIVERY_WINDOW_BYTES = 8 * 1024 * 1024

/**
 * Frames (and their bytes) one inbound exchange stream may have in processing before the node
 * stops reading from it: the backpressure a sender that ignores receipts runs into, and the
 * bound on what one stream can make the node hold in memory.
 */
export const DEFAULT_STREAM_PENDING_FRAMES = 1024
export const DEFAULT_STREAM_PENDING_BYTES = 16 * 1024 * 1024

/** Retry backoff for an unreachable peer: first delay, growth factor, cap (full jitter). */
export const DEFAULT_RETRY_BASE_MS = 250
export const DEFAULT_RETRY_FACTOR = 2
export const DEFAULT_RETRY_CAP_MS = 30_000

/** How long a delivery lane waits for a receipt before it gives the stream up and retries. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 30_000

/**
 * LevelDB's write buffer (memtable) size. LevelDB's own default, 4 MiB, fills every few hundred
 * messages under ingest (every ~45 at 64 KiB), and each fill is an L0 table that compaction must
 * rewrite; with 16 MiB, measured in-process on the 2-core machine, storing a message took ~30 %
 * less CPU (2 KiB envelopes: 131-161 → 86-109 µs; 88 KB: 875-1200 → 680-860 µs) and writes
 * stalled less. The cost is up to 2 × this much memory while a node is busy.
 */
export const DEFAULT_STORE_WRITE_BUFFER_BYTES = 16 * 1024 * 1024

/** Most records one fsync'd group commit carries. */
export const DEFAULT_MAX_BATCH = 1024

/** Inbound streams per connection on the exchange protocol. */
export const DEFAULT_MAX_INBOUND_STREAMS = 8

/** A delivery lane closes its stream after this long with nothing to send or await. */
export const DEFAULT_LANE_IDLE_CLOSE_MS = 10_000

/** A frame whose bytes have not all arrived after this long resets the stream (slow loris). */
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000

/**
 * New inbound connections accepted per second from one IP address, counted before the Noise
 * handshake (a handshake costs the node an X25519 and an Ed25519 operation, so a flood of them
 * is refused by address first). libp2p's own default.
 */
export const DEFAULT_INBOUND_CONNECTIONS_PER_HOST = 5

/** Graceful shutdown: how long in-flight work may take before the node exits anyway. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000

/**
 * A repeat of the stop signal within this window is the same request, not a second one: Ctrl-C
 * under `npm start` reaches the node twice (from the terminal, and forwarded by npm).
 */
export const SIGNAL_REPEAT_WINDOW_MS = 1_000

/** Log level unless --log-level or LIAISON_LOG_LEVEL says otherwise. */
export const DEFAULT_LOG_LEVEL = 'info'

/** How often a node presents its latest checkpoint to its peers for cosigning. */
export const DEFAULT_WITNESS_INTERVAL_MS = 5 * 60 * 1000

/**
 * How often a node compares the checkpoints it witnessed with each peer (split-view gossip).
 * A split is raised on both witnesses within one interval (plus two 10 s network timeouts) of
 * both holding their divergent cosigned checkpoints — see docs/operations.md.
 */
export const DEFAULT_WITNESS_GOSSIP_INTERVAL_MS = 10 * 60 * 1000

/** A running node signs a checkpoint this often, when its audit log has grown. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000

/** A running node deletes expired envelopes this often… */
export const DEFAULT_PURGE_INTERVAL_MS = 60 * 60 * 1000

/** …at most this many messages per purge leaf. */
export const DEFAULT_PURGE_CHUNK = 500

/**
 * Messages (and, separately, requests for information and release requests) a cooperation
 * report remembers to join later entries to — a recipient's receipt to its message, an answer
 * to its request, a decision to its release request. The oldest is forgotten first and counted
 * (`coverage.uncorrelated`); receipts come within seconds, so only an outcome arriving after
 * this many newer messages is lost. About 250 bytes each: the report's memory stays under
 * ~50 MB per map however long the log.
 */
export const DEFAULT_REPORT_JOIN_LIMIT = 200_000

/** The TAXII 2.1 server listens here (`taxii.listen`, HOST:PORT): loopback, any free port. */
export const DEFAULT_TAXII_LISTEN = '127.0.0.1:0'

/** Largest TAXII request body (`max_content_length`): 10 MiB, split into messages of at most the message size limit. */
export const DEFAULT_TAXII_MAX_CONTENT_LENGTH = 10 * 1024 * 1024

/** Objects per TAXII page when the client sets no `limit`, and the most it may ask for. */
export const DEFAULT_TAXII_PAGE_SIZE = 100
export const DEFAULT_TAXII_MAX_PAGE_SIZE = 1000

/**
 * How long a courier's connection (PROTOCOL.md §9.1) may stay open: delivering one certificate
 * takes one round trip; the node closes the connection after this, whatever it carried.
 */
export const DEFAULT_COURIER_CONNECTION_MS = 30_000

/** `keys revoke`: per peer, dial + certificate + receipt (PROTOCOL.md §9.1). */
export const DEFAULT_COURIER_DELIVERY_TIMEOUT_MS = 15_000

/** A courier that has not sent its certificate by then is cut off. */
export const DEFAULT_REVOCATION_FRAME_TIMEOUT_MS = 10_000

/** How long a rotation approval notice may take before the approval goes ahead without it (§9.2). */
export const DEFAULT_APPROVAL_NOTICE_TIMEOUT_MS = 5_000

// ---- hit/no-hit queries (PROTOCOL.md §19) ----

/**
 * Worker threads that evaluate the OPRF for an index build or a re-key (`liaison index add`,
 * `index rotate-key`, node/query/oprf-pool.ts): one per core. The main thread reads the input
 * and writes LevelDB meanwhile.
 */
export function defaultIndexWorkers (cores: number): number {
  return Math.max(1, cores)
}

/** Selectors per batch of an index build: one job for a worker, one LevelDB batch. */
export const DEFAULT_INDEX_BATCH = 1000

/** An index build smaller than this many batches is evaluated on the main thread (starting workers costs more). */
export const DEFAULT_INDEX_POOL_MIN_BATCHES = 2

/**
 * Changes (additions, removals) the index keeps per selector type for incremental hit-filter
 * sync (PROTOCOL.md §19.8). An asking node whose filter is older than the oldest kept change
 * gets a full filter instead of a delta. About 100 bytes each on disk.
 */
export const DEFAULT_QUERY_FILTER_LOG = 100_000

/** The OPRF key's scheduled lifetime (PROTOCOL.md §19.2, `query.oprfKeyRotationDays`): rotated and the index re-keyed after it. */
export const DEFAULT_OPRF_KEY_ROTATION_DAYS = 90

/** How often a running node checks whether its OPRF key is due for rotation. */
export const DEFAULT_OPRF_KEY_ROTATION_CHECK_MS = 60 * 60 * 1000
/** How long a task force notice (a charter proposal, signature or decline, PROTOCOL.md §21.4) may wait for delivery. */
export const DEFAULT_TASKFORCE_NOTICE_TTL_MS = 30 * 24 * 60 * 60 * 1000
/** The largest request body the local API reads (the CLI names it when an input is too big for a running node). */
export const API_MAX_BODY_BYTES = 2 * 1024 * 1024
// ---- exchange v2: batches (PROTOCOL.md §12, §22) -------------------------------------------

/** Envelopes a sender packs into one batch at most (the protocol allows MAX_BATCH_ENVELOPES). */
export const DEFAULT_BATCH_ENVELOPES = 256

/** Envelope bytes a sender packs into one batch at most (one larger envelope goes alone). */
export const DEFAULT_BATCH_BYTES = 1024 * 1024

/**
 * How long a sender lets a partly filled batch wait for more while earlier batches are still
 * unanswered. With nothing in flight a batch leaves at once, so light load is never delayed.
 */
export const DEFAULT_BATCH_DELAY_MS = 2

/**
 * Batches a sender keeps unanswered per stream. While that many are in flight, what is queued
 * waits and the next batch is fuller: batches grow with the load instead of staying small.
 */
export const DEFAULT_BATCHES_IN_FLIGHT = 4

// ---- gathered from the modules that used them (issue 18 §3) --------------------------------

/** How long `send --wait`, `forward --wait` and `POST /v1/messages?wait=true` wait for the final receipts. */
export const DEFAULT_WAIT_TIMEOUT_MS = 60_000

/** How long a release grant may be used when `release grant` gives no `--valid` (7 days). */
export const DEFAULT_RELEASE_GRANT_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000

/** How long a release request may wait for delivery and an answer (30 days). */
export const RELEASE_REQUEST_TTL_MS = 30 * 24 * 60 * 60 * 1000

/** How long a feedback envelope may wait for delivery (30 days). */
export const FEEDBACK_TTL_MS = 30 * 24 * 60 * 60 * 1000

/** An address update stays deliverable this long (a peer offline for longer is re-introduced by card; 30 days). */
export const ADDRESS_UPDATE_TTL_MS = 30 * 24 * 60 * 60 * 1000

/** How long a received address update is kept (it is evidence of where a peer said it was; 365 days). */
export const ADDRESS_UPDATE_RETENTION_MS = 365 * 24 * 60 * 60 * 1000

/** Connections libp2p's connection manager allows at once (all peers, both directions). */
export const DEFAULT_MAX_CONNECTIONS = 300

/** A hit/no-hit query exchange (dial, request, every answer frame) must finish within this. */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000

/** Selectors a peer may have evaluated per rolling day, and per query, when `--query-types` is given without the numbers. */
export const DEFAULT_QUERY_QUOTA_PER_DAY = 1000
export const DEFAULT_QUERY_MAX = 100

/** A witness request (dial, checkpoint, cosignature) must finish within this. */
export const DEFAULT_WITNESS_TIMEOUT_MS = 10_000

/** A witness gossip exchange with one peer must finish within this. */
export const DEFAULT_WITNESS_GOSSIP_TIMEOUT_MS = 10_000

/**
 * Bits of the in-memory filter of message ids seen (node/store/seen-filter.ts): 2^25 bits is
 * 4 MiB; with 7 hashes about 1 % false positives (each costs one store read) at 3.5 million ids.
 */
export const DEFAULT_SEEN_FILTER_BITS = 1 << 25

/**
 * Free disk space the store keeps in reserve before it answers STORAGE_FULL: the larger of
 * twice the write buffer and this fraction of the file system.
 */
export const MIN_RESERVE_BYTES = 2 * DEFAULT_STORE_WRITE_BUFFER_BYTES
export const RESERVE_FRACTION = 0.02
