import { AppError } from '../errors.js'

/**
 * Counts uploads being received by this process and refuses new ones past `max`, so that a
 * flood of large uploads cannot exhaust memory: each is buffered until it is stored.
 */
export class UploadGate {
  #inFlight = 0

  constructor (readonly max: number) {}

  /** Runs `receive` if there is room, else throws a 503 the client may retry. */
  async admit<T> (receive: () => Promise<T>): Promise<T> {
    if (this.#inFlight >= this.max) {
      throw new AppError('DOCQ_UPLOADS_SATURATED', `too many uploads in progress (${this.max}); retry in a moment`)
    }
    this.#inFlight += 1
    try {
      return await receive()
    } finally {
      this.#inFlight -= 1
    }
  }
}
