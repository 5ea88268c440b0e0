/**
 * Whether a listen host is this machine only. The API and TAXII servers refuse other hosts
 * unless told otherwise, and config validation says so before anything binds; all three ask
 * here, so the check lives with the node's addresses rather than inside one of the servers.
 *
 * @module
 */

/** `localhost`, `::1` or any 127.x.y.z address. */
export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
