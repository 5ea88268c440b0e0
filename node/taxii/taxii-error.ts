/**
 * A TAXII error answer (§3.6.1): an HTTP status and the error message resource.
 *
 * @module
 */

export class TaxiiError extends Error {
  readonly status: number
  readonly title: string
  readonly code?: string

  constructor (status: number, title: string, description: string, code?: string) {
    super(description)
    this.name = 'TaxiiError'
    this.status = status
    this.title = title
    if (code != null) this.code = code
  }

  resource (): Record<string, unknown> {
    return { title: this.title, description: this.message, http_status: String(this.status), ...(this.code != null ? { error_code: this.code } : {}) }
  }
}
