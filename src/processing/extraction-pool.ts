import { Worker } from 'node:worker_threads'
import { isProcessingErrorCode, ProcessingError } from './processing-error.js'
import type { ThreadReply, ThreadRequest } from './thread-protocol.js'
import type { DocumentInput, ProcessedDocument, ProcessingLimits } from './types.js'

/**
 * Loads the thread's TypeScript entry. Under tap the inherited loader already handles .ts;
 * under `node --import tsx` on Node 20 the inherited flag does not reach the worker's module
 * loader, so the bootstrap registers tsx itself and retries (with a fresh URL, because the
 * failed import stays cached under the first one). Written to run both as a script and as
 * a module, since workers inherit `--input-type`.
 */
const bootstrapSource = `
;(async () => {
  const { workerData } = await import('node:worker_threads')
  try {
    await import(workerData.entry)
  } catch (err) {
    if (err == null || err.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || workerData.tsx == null) throw err
    const { register } = await import(workerData.tsx)
    register()
    await import(workerData.entry + '?tsx')
  }
})().catch((err) => { setImmediate(() => { throw err }) })
`

const threadEntry = new URL('./extraction-thread.ts', import.meta.url).href

function resolveTsx (): string | null {
  try {
    return import.meta.resolve('tsx/esm/api')
  } catch {
    return null
  }
}

/** A thread is replaced after this many jobs, so caches and leaks of the parsers stay bounded. */
const jobsPerThread = 2_000
/** Loading the parsers in a fresh thread is not part of a job's time limit, but is bounded. */
const startupTimeoutMs = 60_000
/** Console output one thread may pass to the process's stderr over its life. */
const threadLogBytes = 64 * 1024

interface Job {
  id: number
  input: DocumentInput
  resolve: (result: ProcessedDocument) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: Worker
  ready: boolean
  jobsRun: number
  job: Job | null
  timer: NodeJS.Timeout | null
  /** Set once the thread is being discarded; its late events are ignored. */
  dead: boolean
}

/**
 * A small pool of extraction threads, each running one job at a time under a heap ceiling
 * and a hard time limit. A thread that times out is terminated (pdf.js can hang inside one
 * synchronous call where no in-thread timer would fire); one that dies is replaced. Idle
 * threads are unref'd so they never keep the caller's process alive. A job's time limit
 * starts when a ready thread receives it: time spent queued behind other jobs or waiting
 * for a fresh thread to load the parsers is not counted.
 */
export class ExtractionPool {
  readonly #limits: ProcessingLimits
  readonly #size: number
  readonly #slots = new Set<Slot>()
  readonly #queue: Job[] = []
  readonly #tsx = resolveTsx()
  #nextId = 1
  #closed = false

  constructor (limits: ProcessingLimits, size: number) {
    this.#limits = limits
    this.#size = size
  }

  /** Queues one document; resolves with the result or rejects with a ProcessingError. */
  async run (input: DocumentInput): Promise<ProcessedDocument> {
    if (this.#closed) throw new ProcessingError('internal', 'document processor is closed')
    return await new Promise<ProcessedDocument>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, input, resolve, reject })
      this.#dispatch()
    })
  }

  /** Starts every thread now, so that the first documents do not wait for the parsers to load. */
  warmUp (): void {
    while (!this.#closed && this.#slots.size < this.#size) this.#spawn()
  }

  /** Terminates every thread and fails queued and running jobs. */
  async close (): Promise<void> {
    this.#closed = true
    const closing = new ProcessingError('internal', 'document processor was closed')
    for (const job of this.#queue.splice(0)) job.reject(closing)
    await Promise.all([...this.#slots].map(async (slot) => {
      this.#discard(slot, closing)
      await slot.worker.terminate()
    }))
  }

  #dispatch (): void {
    if (this.#closed) return
    while (this.#queue.length > 0) {
      const idle = [...this.#slots].find((slot) => slot.ready && slot.job === null && !slot.dead)
      if (idle !== undefined) {
        this.#start(idle, this.#queue.shift() as Job)
        continue
      }
      const starting = [...this.#slots].filter((slot) => !slot.ready && !slot.dead).length
      if (this.#slots.size < this.#size && starting < this.#queue.length) {
        this.#spawn()
        continue
      }
      return
    }
  }

  #spawn (): void {
    const worker = new Worker(bootstrapSource, {
      eval: true,
      workerData: { entry: threadEntry, tsx: this.#tsx },
      resourceLimits: {
        maxOldGenerationSizeMb: this.#limits.maxMemoryMb,
        maxYoungGenerationSizeMb: Math.min(64, Math.max(8, Math.floor(this.#limits.maxMemoryMb / 8)))
      },
      stdout: true,
      stderr: true
    })
    const slot: Slot = { worker, ready: false, jobsRun: 0, job: null, timer: null, dead: false }
    // Parsers print warnings for every defect of a hostile file (poppler wrote 17.6 GB for
    // pdfjs_bomb_giant.pdf); a thread's console output is capped before it reaches ours.
    let logBudget = threadLogBytes
    const forward = (chunk: Buffer): void => {
      if (logBudget <= 0) return
      process.stderr.write(chunk.subarray(0, logBudget))
      logBudget -= chunk.length
      if (logBudget <= 0) process.stderr.write('[extraction thread output truncated]\n')
    }
    worker.stdout.on('data', forward)
    worker.stderr.on('data', forward)
    this.#slots.add(slot)
    slot.timer = setTimeout(() => {
      this.#fail(slot, new ProcessingError('internal', `extraction thread did not start within ${startupTimeoutMs} ms`))
    }, startupTimeoutMs)
    slot.timer.unref()
    worker.on('message', (reply: ThreadReply) => { this.#onReply(slot, reply) })
    worker.on('error', (err: Error & { code?: string }) => {
      this.#fail(slot, err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new ProcessingError('limit_exceeded', `processing exceeded the memory limit of ${this.#limits.maxMemoryMb} MB`)
        : new ProcessingError('internal', `extraction thread failed: ${err.message}`, { cause: err }))
    })
    worker.on('exit', (exitCode) => {
      this.#fail(slot, new ProcessingError('internal', `extraction thread exited with code ${exitCode}`))
    })
  }

  #onReply (slot: Slot, reply: ThreadReply): void {
    if (slot.dead) return
    if ('ready' in reply) {
      slot.ready = true
      this.#clearTimer(slot)
      slot.worker.unref()
      this.#dispatch()
      return
    }
    const job = slot.job
    if (job === null || job.id !== reply.id) return
    this.#clearTimer(slot)
    slot.job = null
    slot.jobsRun++
    slot.worker.unref()
    if (reply.ok) job.resolve(reply.result)
    else job.reject(new ProcessingError(isProcessingErrorCode(reply.code) ? reply.code : 'internal', reply.message))
    if (slot.jobsRun >= jobsPerThread) this.#retire(slot)
    this.#dispatch()
  }

  #start (slot: Slot, job: Job): void {
    slot.job = job
    slot.worker.ref()
    // Copy only the view's bytes (a Buffer may sit in a shared pool) and hand them over.
    const bytes = new Uint8Array(job.input.bytes)
    const request: ThreadRequest = {
      id: job.id,
      bytes,
      filename: job.input.filename,
      declaredType: job.input.declaredType,
      limits: this.#limits
    }
    slot.timer = setTimeout(() => {
      this.#fail(slot, new ProcessingError('timeout', `processing exceeded the time limit of ${this.#limits.timeoutMs} ms`))
    }, this.#limits.timeoutMs)
    slot.worker.postMessage(request, [bytes.buffer])
  }

  #clearTimer (slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer)
    slot.timer = null
  }

  /** Rejects the slot's job (if any) with `err`, kills the thread and refills the pool. */
  #fail (slot: Slot, err: ProcessingError): void {
    if (slot.dead) return
    this.#discard(slot, err)
    slot.worker.terminate().catch(() => {})
    // A thread that cannot even start would fail every queued job the same way; failing
    // them now avoids a loop of doomed spawns.
    if (!slot.ready) {
      for (const job of this.#queue.splice(0)) job.reject(err)
    } else if (!this.#closed && this.#slots.size === 0 && this.#queue.length === 0) {
      // Replace a killed thread right away, so the next job finds the parsers loaded.
      this.#spawn()
    }
    this.#dispatch()
  }

  #retire (slot: Slot): void {
    slot.dead = true
    this.#slots.delete(slot)
    slot.worker.terminate().catch(() => {})
    if (this.#slots.size === 0 && this.#queue.length === 0) this.#spawn()
  }

  #discard (slot: Slot, err: Error): void {
    slot.dead = true
    this.#clearTimer(slot)
    this.#slots.delete(slot)
    const job = slot.job
    slot.job = null
    job?.reject(err)
  }
}
