/**
 * Reachability across restarts: the listen ports a node keeps (listen-state.ts) and the signed
 * address updates it sends its peers when its addresses change anyway (announce.ts), and which
 * hosts are this machine only (loopback.ts); where to dial a trusted peer (dial-targets.ts).
 *
 * @module
 */
export { announceable, boundPorts, readListenState, resolveListen, writeListenState, listenStatePath, type ListenState } from './listen-state.ts'
export { announceAddresses } from './announce.ts'
export { ADDRESS_UPDATE_TTL_MS } from '../defaults.ts'
export { isLoopback } from './loopback.ts'
export { dialTargets } from './dial-targets.ts'
