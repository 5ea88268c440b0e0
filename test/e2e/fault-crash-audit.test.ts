import { afterEach, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { TEST_AGREEMENT, TestNode, tempDir } from '../helpers/node-process.ts'
import { runCrashRounds } from '../../scripts/soak/crash-rounds.ts'

// `npm run soak` runs 20 rounds of each on a 2,000-message stream; the default suite runs a
// few rounds on the same 2,000-message stream.
const ROUNDS = Number(process.env.LIAISON_FAULT_CRASH_ROUNDS ?? 3)
const TOTAL = Number(process.env.LIAISON_FAULT_CRASH_TOTAL ?? 2000)

describe(`fault: kill -9 during a ${TOTAL}-message stream, audit log verified after every kill`, () => {
  let root: string
  let nodes: TestNode[] = []

  afterEach(async () => {
    await Promise.all(nodes.map(async n => await n.stop()))
    nodes = []
    await rm(root, { recursive: true, force: true })
  })

  async function pair (): Promise<[TestNode, TestNode]> {
    root = await tempDir()
    const a = await TestNode.create({ name: 'sender', root })
    const b = await TestNode.create({ name: 'receiver', root })
    nodes = [a, b]
    await a.trust(b)
    await b.trust(a)
    await Promise.all([a.start(), b.start()])
    return [a, b]
  }

  for (const victim of ['receiver', 'sender'] as const) {
    it(
      `${victim} killed ${ROUNDS} times: audit verify passes on the stopped node each time; nothing acknowledged lost, nothing twice, outbox ` +
        `empty`,
      async () => {
        const [sender, receiver] = await pair()
        const failures: string[] = []
        const figures = await runCrashRounds({
          sender,
          receiver,
          victim,
          rounds: ROUNDS,
          total: TOTAL,
          legalBasis: TEST_AGREEMENT,
          onAuditFailure: (round, output) => {
            failures.push(`round ${round}: ${output}`)
          }
        })
        expect(failures).toEqual([])
        expect(figures).toMatchObject({ auditRuns: ROUNDS, auditFailures: 0, lost: 0, duplicates: 0, unknown: 0, outboxLeft: 0 })
        expect(figures.acknowledged).toBeGreaterThan(0)
        expect(figures.delivered).toBeGreaterThanOrEqual(figures.acknowledged)
      }
    )
  }
})
