/**
 * TAXII 2.1 media types (§1.6.8) and content negotiation: what a request may send and accept.
 *
 * @module
 */

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1'
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1'

interface MediaRange {
  type: string
  version?: string
  q: number
}

function parseRanges (header: string): MediaRange[] {
  return header.split(',').map(part => {
    const [type, ...params] = part.split(';').map(s => s.trim().toLowerCase())
    const range: MediaRange = { type, q: 1 }
    for (const p of params) {
      const [k, v] = p.split('=').map(s => s.trim())
      if (k === 'version') range.version = v
      if (k === 'q') range.q = Number(v)
    }
    return range
  }).filter(r => r.type !== '' && r.q > 0)
}

/** Whether an Accept header admits `mediaType` (TAXII 2.1, or a wildcard). Absent: yes. */
export function accepts (header: string | undefined, mediaType: string): boolean {
  if (header == null || header.trim() === '') return true
  const [wantType] = mediaType.split(';')
  return parseRanges(header).some(r => r.type === '*/*' || r.type === 'application/*' || (r.type === wantType && (r.version == null || r.version === '2.1')))
}

/** Whether a Content-Type header is TAXII 2.1 (the version parameter may be omitted). */
export function isTaxiiContent (header: string | undefined): boolean {
  if (header == null) return false
  const [range] = parseRanges(header)
  return range != null && range.type === 'application/taxii+json' && (range.version == null || range.version === '2.1')
}

/**
 * What a POST of objects may declare: a TAXII 2.1 envelope (§5.4), or STIX 2.1 content —
 * OpenCTI's TAXII POST connector sends its bundles as `application/stix+json; version=2.1`
 * (docs/taxii.md §5).
 */
export function isObjectsContent (header: string | undefined): boolean {
  if (isTaxiiContent(header)) return true
  const [range] = header != null ? parseRanges(header) : []
  return range != null && range.type === 'application/stix+json' && (range.version == null || range.version === '2.1')
}
