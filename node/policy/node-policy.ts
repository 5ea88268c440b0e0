/**
 * The node policy: data, not code. `DIR/policy.json` (JSON, validated strictly, reloadable
 * without restart) sets what this node allows at all; per-peer trust records only narrow it.
 *
 * Why not Cedar (or another policy language)? Every rule here is a comparison on a total order
 * (TLP), a set membership (topics, kinds, handling codes) or a date interval (agreements).
 * Expressed as data with one small pure evaluator (decide.ts), each decision can be explained
 * check by check with a stable reason code, runs in well under a microsecond on the receive
 * path, and gives operators one JSON file rather than a second language to learn. A policy
 * language would be worth it for attribute-rich rules across many principals; we have two
 * principals (this node, one peer) and five attributes.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { TLP_LEVELS, MESSAGE_KINDS, type Tlp, type MessageKind } from '../../protocol/types.ts'
import { MAX_MESSAGE_PAYLOAD_BYTES } from '../../protocol/limits.ts'
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_ROTATION_GRACE_MS } from '../defaults.ts'
import { NodeError } from '../errors.ts'

const slugOrAny = z.string().regex(/^(\*|[a-z0-9]+(-[a-z0-9]+)*)$/, 'a topic slug or *')

export const nodePolicySchema = z.strictObject({
  /** Highest TLP label that may leave this node at all. */
  maxTlpOut: z.enum(TLP_LEVELS).default('RED'),
  /** Highest TLP label this node accepts at all. */
  maxTlpIn: z.enum(TLP_LEVELS).default('RED'),
  /** Topics this node sends / accepts (`*` = all). */
  topicsOut: z.array(slugOrAny).default(['*']),
  topicsIn: z.array(slugOrAny).default(['*']),
  /** Message kinds this node sends and accepts. */
  kinds: z.array(z.enum(MESSAGE_KINDS)).default([...MESSAGE_KINDS]),
  /** Handling codes a message on a topic must carry, both directions. */
  requiredHandling: z.record(slugOrAny, z.array(z.string().min(1))).default({}),
  /** Accepted future skew of a message's `created`. */
  clockSkewMs: z.number().int().min(0).max(24 * 3600_000).default(DEFAULT_CLOCK_SKEW_MS),
  /** Largest message payload accepted or sent. */
  maxMessageBytes: z.number().int().min(1024).max(MAX_MESSAGE_PAYLOAD_BYTES).default(MAX_MESSAGE_PAYLOAD_BYTES),
  /** How long after a peer's rotation its retired key is still accepted over its new key's connection. */
  rotationGraceMs: z.number().int().min(0).max(365 * 24 * 3600_000).default(DEFAULT_ROTATION_GRACE_MS)
})

export type NodePolicy = Readonly<{
  maxTlpOut: Tlp,
  maxTlpIn: Tlp,
  topicsOut: readonly string[],
  topicsIn: readonly string[],
  kinds: readonly MessageKind[],
  requiredHandling: Readonly<Record<string, readonly string[]>>,
  clockSkewMs: number,
  maxMessageBytes: number,
  rotationGraceMs: number
}>

export const DEFAULT_NODE_POLICY: NodePolicy = Object.freeze(nodePolicySchema.parse({}))

export function validateNodePolicy (value: unknown, source = 'policy'): NodePolicy {
  const result = nodePolicySchema.safeParse(value)
  if (!result.success) {
    const problems = result.error.issues.map(i => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    throw new NodeError('CONFIG_INVALID', `${source} is invalid:\n  ${problems.join('\n  ')}`, { details: problems })
  }
  return Object.freeze(result.data)
}

/** Load DIR/policy.json; a missing file means the defaults. */
export async function loadNodePolicy (file: string): Promise<NodePolicy> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_NODE_POLICY
    throw new NodeError('CONFIG_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  return validateNodePolicy(value, file)
}
