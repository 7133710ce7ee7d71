import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import type { ExtractionReply, ExtractionRequest } from './extraction-protocol.js'
import { describeLimit, timedOut } from './limits.js'
import { isProcessingErrorCode, ProcessingError } from './processing-error.js'
import { readPrivateResidentBytes } from './resident-memory.js'
import { spawnExtractionProcess } from './spawn-extraction-process.js'
import type { DocumentInput, ProcessedDocument, ProcessingLimits } from './types.js'

/** A process is replaced after this many jobs, so caches and leaks of the parsers stay bounded. */
const jobsPerProcess = 2_000
/** Loading the parsers in a fresh process is not part of a job's time limit, but is bounded. */
const startupTimeoutMs = 60_000
/** Console output one process may pass to ours over its life. */
const processLogBytes = 64 * 1024
/**
 * How often a process's resident memory is read. Memory a document allocates in one step
 * (a Buffer, a wasm memory) can pass the limit by what it allocates in this time before the
 * process is killed; reading /proc costs some microseconds.
 */
const memoryCheckMs = 20
/** What V8 prints when a process reaches its heap ceiling, just before it aborts. */
const heapExhausted = 'JavaScript heap out of memory'

interface Job {
  id: number
  input: DocumentInput
  resolve: (result: ProcessedDocument) => void
  reject: (err: Error) => void
}

interface Slot {
  child: ChildProcess
  ready: boolean
  jobsRun: number
  job: Job | null
  timer: NodeJS.Timeout | null
  /** Reads the process's memory while it loads the parsers or runs a job; idle, it cannot grow. */
  memoryWatch: NodeJS.Timeout | null
  /** Set when V8 reported that the heap ceiling was reached. */
  heapExhausted: boolean
  /** Set once the process is being discarded; its late events are ignored. */
  dead: boolean
  /** Settles when the process has exited and its output is closed. */
  closed: Promise<void>
}

/**
 * A small pool of extraction processes, each running one job at a time under a memory limit
 * and a hard time limit. The memory limit covers everything a document can make a process
 * allocate: V8 stops the heap at `maxMemoryMb`, and on Linux the pool reads each process's
 * private resident memory from /proc and kills it once that passes `maxMemoryMb` (Buffers,
 * ArrayBuffers, wasm and native memory live outside the heap). Where /proc is missing only
 * the heap ceiling applies. A process that times out is killed (pdf.js can hang inside one
 * synchronous call where no in-process timer would fire); one that dies is replaced. Idle
 * processes are unref'd so they never keep the caller's process alive. A job's time limit
 * starts when a ready process receives it: time spent queued behind other jobs or waiting
 * for a fresh process to load the parsers is not counted.
 */
export class ExtractionPool {
  readonly #limits: ProcessingLimits
  readonly #size: number
  readonly #slots = new Set<Slot>()
  readonly #queue: Job[] = []
  #nextId = 1
  #closed = false

  constructor (limits: ProcessingLimits, size: number) {
    this.#limits = limits
    this.#size = size
  }

  /** Queues one document; resolves with the result or rejects with a ProcessingError. */
  async run (input: DocumentInput): Promise<ProcessedDocument> {
    this.assertOpen()
    return await new Promise<ProcessedDocument>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, input, resolve, reject })
      this.#dispatch()
    })
  }

  /** Throws the failure of a job given to a closed processor; jobs run in-process check it too. */
  assertOpen (): void {
    if (this.#closed) throw new ProcessingError('internal', 'document processor is closed')
  }

  /** Starts every process now, so that the first documents do not wait for the parsers to load. */
  warmUp (): void {
    while (!this.#closed && this.#slots.size < this.#size) this.#spawn()
  }

  /** Kills every process and fails queued and running jobs. */
  async close (): Promise<void> {
    this.#closed = true
    const closing = new ProcessingError('internal', 'document processor was closed')
    for (const job of this.#queue.splice(0)) job.reject(closing)
    await Promise.all([...this.#slots].map(async (slot) => {
      this.#discard(slot, closing)
      // Idle processes and their pipes are unref'd: without this the caller's event loop
      // could end before the exit it is waiting for is reported.
      slot.child.ref()
      for (const stream of [slot.child.stdout, slot.child.stderr]) (stream as Socket | null)?.ref()
      await slot.closed
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
    const child = spawnExtractionProcess(this.#limits.maxMemoryMb)
    const slot: Slot = {
      child,
      ready: false,
      jobsRun: 0,
      job: null,
      timer: null,
      memoryWatch: null,
      heapExhausted: false,
      dead: false,
      closed: new Promise((resolve) => { child.once('close', () => { resolve() }) })
    }
    // Parsers print warnings for every defect of a hostile file (poppler wrote 17.6 GB for
    // pdfjs_bomb_giant.pdf); a process's console output is capped before it reaches ours.
    let logBudget = processLogBytes
    const forward = (chunk: Buffer): void => {
      if (logBudget <= 0) return
      process.stderr.write(chunk.subarray(0, logBudget))
      logBudget -= chunk.length
      if (logBudget <= 0) process.stderr.write('[extraction process output truncated]\n')
    }
    child.stdout?.on('data', forward)
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.includes(heapExhausted)) slot.heapExhausted = true
      forward(chunk)
    })
    for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref()
    this.#slots.add(slot)
    this.#watchMemory(slot, true)
    slot.timer = setTimeout(() => {
      this.#fail(slot, new ProcessingError('internal', `extraction process did not start within ${startupTimeoutMs} ms`))
    }, startupTimeoutMs)
    slot.timer.unref()
    child.on('message', (reply: ExtractionReply) => { this.#onReply(slot, reply) })
    child.on('error', (err: Error) => {
      this.#fail(slot, new ProcessingError('internal', `extraction process failed: ${err.message}`, { cause: err }))
    })
    // 'close' rather than 'exit': V8's last words on stderr must have been read.
    child.on('close', (code, signal) => {
      this.#fail(slot, slot.heapExhausted
        ? this.#memoryExceeded(slot)
        : new ProcessingError('internal', `extraction process exited with ${signal ?? `code ${String(code)}`}`))
    })
  }

  /** A job's fault once the process is ready; before, the limit is too low for the parsers themselves. */
  #memoryExceeded (slot: Slot): ProcessingError {
    const limit = describeLimit(this.#limits, 'maxMemoryMb')
    return slot.ready
      ? new ProcessingError('limit_exceeded', `processing needed more memory than ${limit}`)
      : new ProcessingError('internal', `an extraction process needs more memory than ${limit} to load the parsers`)
  }

  /** The process's private resident memory, in bytes, or 0 where it cannot be read. */
  #residentBytes (slot: Slot): number {
    return slot.child.pid === undefined ? 0 : readPrivateResidentBytes(slot.child.pid) ?? 0
  }

  #watchMemory (slot: Slot, on: boolean): void {
    if (slot.memoryWatch !== null) clearInterval(slot.memoryWatch)
    slot.memoryWatch = on ? setInterval(() => { this.#checkMemory(slot) }, memoryCheckMs).unref() : null
  }

  #checkMemory (slot: Slot): void {
    if (slot.dead || this.#residentBytes(slot) <= this.#limits.maxMemoryMb * 1024 * 1024) return
    this.#fail(slot, this.#memoryExceeded(slot))
  }

  #onReply (slot: Slot, reply: ExtractionReply): void {
    if (slot.dead) return
    if ('ready' in reply) {
      slot.ready = true
      this.#clearTimer(slot)
      this.#watchMemory(slot, false)
      this.#hold(slot, false)
      this.#dispatch()
      return
    }
    const job = slot.job
    if (job === null || job.id !== reply.id) return
    this.#clearTimer(slot)
    this.#watchMemory(slot, false)
    slot.job = null
    slot.jobsRun++
    this.#hold(slot, false)
    if (reply.ok) job.resolve(reply.result)
    else job.reject(new ProcessingError(isProcessingErrorCode(reply.code) ? reply.code : 'internal', reply.message))
    // Memory a document leaves behind (caches, fragmentation) must not count against the
    // next one: a process past half its limit is replaced while it is idle.
    if (slot.jobsRun >= jobsPerProcess || this.#residentBytes(slot) > this.#limits.maxMemoryMb * 1024 * 1024 / 2) this.#retire(slot)
    this.#dispatch()
  }

  #start (slot: Slot, job: Job): void {
    slot.job = job
    this.#hold(slot, true)
    this.#watchMemory(slot, true)
    const request: ExtractionRequest = {
      id: job.id,
      bytes: job.input.bytes,
      filename: job.input.filename,
      declaredType: job.input.declaredType,
      limits: this.#limits
    }
    slot.timer = setTimeout(() => {
      this.#fail(slot, timedOut(this.#limits))
    }, this.#limits.timeoutMs)
    slot.child.send(request)
  }

  /** A busy process keeps the caller alive until its job is done; an idle one never does. */
  #hold (slot: Slot, busy: boolean): void {
    if (busy) {
      slot.child.ref()
      slot.child.channel?.ref()
    } else {
      slot.child.unref()
      slot.child.channel?.unref()
    }
  }

  #clearTimer (slot: Slot): void {
    if (slot.timer !== null) clearTimeout(slot.timer)
    slot.timer = null
  }

  /** Rejects the slot's job (if any) with `err`, kills the process and refills the pool. */
  #fail (slot: Slot, err: ProcessingError): void {
    if (slot.dead) return
    this.#discard(slot, err)
    // A process that cannot even start would fail every queued job the same way; failing
    // them now avoids a loop of doomed spawns.
    if (!slot.ready) {
      for (const job of this.#queue.splice(0)) job.reject(err)
    } else if (!this.#closed && this.#slots.size === 0 && this.#queue.length === 0) {
      // Replace a killed process right away, so the next job finds the parsers loaded.
      this.#spawn()
    }
    this.#dispatch()
  }

  #retire (slot: Slot): void {
    this.#discard(slot, new ProcessingError('internal', 'extraction process retired'))
    if (this.#slots.size === 0 && this.#queue.length === 0) this.#spawn()
  }

  /** Forgets the slot, rejects its job with `err` and kills its process. */
  #discard (slot: Slot, err: Error): void {
    slot.dead = true
    this.#clearTimer(slot)
    this.#watchMemory(slot, false)
    this.#slots.delete(slot)
    const job = slot.job
    slot.job = null
    job?.reject(err)
    slot.child.kill('SIGKILL')
  }
}
