/**
 * The node policy currently in force. `reload()` re-reads DIR/policy.json; an invalid file
 * leaves the policy in force unchanged and reports why.
 *
 * @module
 */
import { DEFAULT_NODE_POLICY, loadNodePolicy, type NodePolicy } from './node-policy.ts'

export class PolicyHolder {
  readonly file: string | undefined
  current: NodePolicy

  constructor (file: string | undefined, initial: NodePolicy = DEFAULT_NODE_POLICY) {
    this.file = file
    this.current = initial
  }

  static async load (file: string): Promise<PolicyHolder> {
    return new PolicyHolder(file, await loadNodePolicy(file))
  }

  async reload (): Promise<{ before: NodePolicy, after: NodePolicy }> {
    const before = this.current
    if (this.file == null) return { before, after: before }
    this.current = await loadNodePolicy(this.file)
    return { before, after: this.current }
  }
}
