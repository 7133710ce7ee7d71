import { AppError } from '../errors.js'

/**
 * Bounds the memory that uploads being received by this process may take: each upload reserves
 * its declared size (or the largest allowed when it declares none) until it is stored, and an
 * upload that would pass the budget is refused. Many small uploads fit; a flood of large ones
 * cannot exhaust memory.
 */
export class UploadGate {
  #reserved = 0

  constructor (readonly budgetBytes: number) {}

  /** Runs `receive` if `bytes` fit in the budget, else throws a 503 the client may retry. */
  async admit<T> (bytes: number, receive: () => Promise<T>): Promise<T> {
    if (this.#reserved > 0 && this.#reserved + bytes > this.budgetBytes) {
      throw new AppError('DOCQ_UPLOADS_SATURATED', 'too many uploads in progress; retry in a moment')
    }
    this.#reserved += bytes
    try {
      return await receive()
    } finally {
      this.#reserved -= bytes
    }
  }
}
