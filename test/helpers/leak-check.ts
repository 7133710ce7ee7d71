import { createHook } from 'node:async_hooks'
import { ChildProcess } from 'node:child_process'
import { Server, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'

/**
 * Fails a test file that leaves anything open which would keep its process alive: a socket, a
 * server, a child process, a timer. Without this check such a leak only shows as tap's timeout,
 * minutes later and with no clue; with it, the file fails at once and names what it left.
 *
 * Importing this module registers the check once per process, as the first teardown of tap's
 * root test: teardowns run last-registered first, so it runs after every cleanup registered
 * later, whether on the root test or on subtests.
 */

/** Node's timer objects, with the internal fields that say what a timer runs and how often. */
interface TimerObject {
  hasRef: () => boolean
  _idleTimeout: number
  _repeat: number | null
  _onTimeout: (...args: unknown[]) => void
  _destroyed: boolean
}

/** An open handle as `process._getActiveHandles()` returns it. */
interface Handle {
  fd?: number
  unref?: () => void
}

// Timers are not handles: Node only counts them. The hook keeps each one, so that a report can
// say what a leaked timer runs.
const timers = new Map<number, TimerObject>()
createHook({
  init (asyncId, type, _triggerAsyncId, resource) {
    if (type === 'Timeout') timers.set(asyncId, resource as TimerObject)
  },
  destroy (asyncId) { timers.delete(asyncId) }
}).enable()

// Closing is asynchronous: a socket a cleanup ended, or a child it killed, goes a moment later.
const GRACE_MS = 10_000

function activeHandles (): Handle[] {
  return (process as unknown as { _getActiveHandles: () => Handle[] })._getActiveHandles()
}

/** tap's own: standard streams and the IPC channel to the runner. */
function belongsToTap (handle: Handle): boolean {
  const channelFd = (process.channel as { fd?: number } | undefined)?.fd
  return handle === process.stdin || handle === process.stdout || handle === process.stderr ||
    (channelFd !== undefined && handle.fd === channelFd)
}

function describeHandle (handle: Handle, handles: Handle[]): string {
  if (handle instanceof ChildProcess) {
    const pipes = handles.filter((candidate) => handle.stdio.includes(candidate as Socket)).length
    return `child process ${handle.pid ?? '?'} (${handle.spawnargs.join(' ').slice(0, 160)})${pipes > 0 ? ` with ${pipes} open stdio pipe(s)` : ''}`
  }
  if (handle instanceof Server) {
    const address = handle.address()
    return `a server listening on ${typeof address === 'string' ? address : `port ${address?.port ?? '?'}`}`
  }
  if (handle instanceof Socket) {
    if (handle.remotePort !== undefined) return `a socket to ${handle.remoteAddress ?? '?'}:${handle.remotePort} (local port ${handle.localPort ?? '?'})`
    return handle.connecting ? 'a socket still connecting' : 'a pipe or socket without a peer'
  }
  return `a ${handle.constructor.name} handle`
}

/** A child's stdio pipes are reported with the child. */
function isChildPipe (handle: Handle, handles: Handle[]): boolean {
  return handles.some((candidate) => candidate instanceof ChildProcess && candidate.stdio.includes(handle as Socket))
}

function describeTimer (timer: TimerObject): string {
  const callback = timer._onTimeout
  const runs = callback.name !== '' ? callback.name : String(callback).replace(/\s+/g, ' ').slice(0, 80)
  return timer._repeat !== null
    ? `a setInterval every ${timer._repeat} ms running ${runs}`
    : `a setTimeout of ${timer._idleTimeout} ms running ${runs}`
}

function liveTimers (): TimerObject[] {
  return [...timers.values()].filter((timer) => !timer._destroyed && timer.hasRef())
}

/** What keeps this process alive, besides tap's own handles and in-flight requests, described. */
function openResources (): string[] {
  const handles = activeHandles().filter((handle) => !belongsToTap(handle))
  const found = handles.filter((handle) => !isChildPipe(handle, handles)).map((handle) => describeHandle(handle, handles))
  const known = liveTimers()
  found.push(...known.map(describeTimer))
  const resources = process.getActiveResourcesInfo()
  const untracked = resources.filter((kind) => kind === 'Timeout').length - known.length
  if (untracked > 0) found.push(`${untracked} timer(s) started before the leak check was loaded`)
  const immediates = resources.filter((kind) => kind === 'Immediate').length
  if (immediates > 0) found.push(`${immediates} pending setImmediate callback(s)`)
  return found
}

/** Closes what a leaking test left, so that its process ends with the failure instead of hanging. */
function release (): void {
  for (const handle of activeHandles().filter((candidate) => !belongsToTap(candidate))) {
    if (handle instanceof ChildProcess) handle.kill('SIGKILL')
    if (handle instanceof Socket) handle.destroy()
    else if (handle instanceof Server) handle.close()
    handle.unref?.()
  }
  for (const timer of liveTimers()) clearTimeout(timer as unknown as NodeJS.Timeout)
}

/** What is still open once everything that was closing had `GRACE_MS` to go. */
async function leftOpen (): Promise<string[]> {
  const deadline = Date.now() + GRACE_MS
  let left = openResources()
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50)
    left = openResources()
  }
  return left
}

function leakReport (left: string[]): string {
  return `the test file left ${left.length} resource(s) open after its cleanups, which would keep its process from exiting:\n` +
    left.map((resource) => `  - ${resource}`).join('\n')
}

let checked = false

async function checkNothingLeftOpen (): Promise<void> {
  checked = true
  const left = await leftOpen()
  if (left.length === 0) return
  release()
  throw new Error(leakReport(left))
}

t.teardown(checkNothingLeftOpen)

async function reportAfterFailedCleanup (): Promise<void> {
  const left = await leftOpen()
  if (left.length === 0) return
  release()
  process.exitCode = 1
  process.stderr.write(`${leakReport(left)}\n`)
}

// A cleanup that fails (a context's, say) stops tap from running the teardowns registered before
// it, this check among them, and the file is already failed: what it left is written to stderr.
t.on('complete', () => {
  if (!checked) reportAfterFailedCleanup().catch((error: unknown) => { console.error(error) })
})
