/**
 * `liaison feedback MESSAGE_ID --rating useful|not-useful|actioned|led-to-operation [--note TEXT]`:
 * send the originator of a received message a signed rating (node/feedback). Through the local
 * API on a running node; on a stopped one it is queued and delivered at the next start.
 *
 * @module
 */
import { print, str } from './args.ts'
import type { Invocation } from './spec.ts'
import { openService } from './context.ts'

export async function feedbackCommand (p: Invocation): Promise<number> {
  const ref = p.positionals[0]
  const rating = str(p, 'rating', true) as string
  const handle = await openService(p.dataDir)
  try {
    const result = await handle.service.feedback(ref, rating, str(p, 'note'))
    if (p.values.json === true) print(result)
    else process.stdout.write(`${result.id} ${result.rating} → ${result.originator} (${result.status})\n`)
  } finally {
    await handle.close()
  }
  return 0
}
