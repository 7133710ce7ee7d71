interface Waiting<In, Out> {
  input: In
  resolve: (output: Out) => void
  reject: (error: unknown) => void
}

export interface TurnBatcherOptions<In, Out> {
  /** Handles one batch; resolves with one output per input, in order. A rejection fails the whole batch. */
  run: (batch: In[]) => Promise<Out[]>
  /** Most inputs in one batch. */
  maxItems?: number
  /** A batch closes once the weights of its inputs reach this. */
  maxWeight?: number
  weight?: (input: In) => number
  /** Batches running at once; inputs that arrive meanwhile gather into the next batch. */
  maxInFlight?: number
}

/**
 * Gathers the calls made in one event-loop turn into batches, so that a burst of requests costs
 * one round trip (one commit, one Redis call) instead of one each. Alone, a call waits only for
 * the current turn to end.
 */
export class TurnBatcher<In, Out> {
  readonly #run: (batch: In[]) => Promise<Out[]>
  readonly #maxItems: number
  readonly #maxWeight: number
  readonly #weight: (input: In) => number
  readonly #maxInFlight: number
  #waiting: Array<Waiting<In, Out>> = []
  #inFlight = 0
  #scheduled = false

  constructor (options: TurnBatcherOptions<In, Out>) {
    this.#run = options.run
    this.#maxItems = options.maxItems ?? Infinity
    this.#maxWeight = options.maxWeight ?? Infinity
    this.#weight = options.weight ?? (() => 0)
    this.#maxInFlight = options.maxInFlight ?? Infinity
  }

  /** Adds an input to the batch of this turn; resolves with its output. */
  async add (input: In): Promise<Out> {
    return await new Promise((resolve, reject) => {
      this.#waiting.push({ input, resolve, reject })
      if (this.#scheduled) return
      this.#scheduled = true
      setImmediate(() => {
        this.#scheduled = false
        this.#drain()
      })
    })
  }

  #drain (): void {
    while (this.#inFlight < this.#maxInFlight && this.#waiting.length > 0) {
      const batch = this.#takeBatch()
      this.#inFlight++
      this.#settle(batch).finally(() => {
        this.#inFlight--
        this.#drain()
      }).catch(() => {})
    }
  }

  #takeBatch (): Array<Waiting<In, Out>> {
    let count = 0
    let weight = 0
    while (count < this.#waiting.length && count < this.#maxItems && weight < this.#maxWeight) {
      weight += this.#weight(this.#waiting[count++].input)
    }
    return this.#waiting.splice(0, count)
  }

  /** Never rejects: the outcome goes to each waiting call. */
  async #settle (batch: Array<Waiting<In, Out>>): Promise<void> {
    try {
      const outputs = await this.#run(batch.map(({ input }) => input))
      batch.forEach((waiting, i) => { waiting.resolve(outputs[i]) })
    } catch (error) {
      for (const waiting of batch) waiting.reject(error)
    }
  }
}
