import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import '../helpers/leak-check.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const redis = new URL(process.env.TEST_REDIS_URL ?? 'redis://localhost:6379')

/** Runs `body` as a tap test file of its own, with the leak check loaded: its exit code and output. */
async function runTestFile (body: string): Promise<{ code: number | null, output: string }> {
  const script = [
    "import t from 'tap'",
    "import { spawn } from 'node:child_process'",
    "import { once } from 'node:events'",
    "import { connect } from 'node:net'",
    "import './test/helpers/leak-check.ts'",
    `const redis = { host: ${JSON.stringify(redis.hostname)}, port: ${Number(redis.port || 6379)} }`,
    body
  ].join('\n')
  // A test process of its own, not a part of this one: none of tap's settings for this file.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TAP') && name !== 'NODE_OPTIONS'))
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  return { code, output }
}

t.test('a test file that leaves a socket, a child process and an interval open fails, naming each, and exits', async (t) => {
  const { code, output } = await runTestFile(`
    t.test('leaks on purpose', async (t) => {
      const socket = connect(redis.port, redis.host)
      await once(socket, 'connect')
      setInterval(function leakedHeartbeat () {}, 60_000)
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' })
      t.comment(\`leaked: pid \${child.pid} socket \${socket.remoteAddress}:\${socket.remotePort} local \${socket.localPort}\`)
      t.pass('left them open')
    })`)
  const leaked = /leaked: pid (\d+) socket (\S+) local (\d+)/.exec(output)
  if (leaked === null) return t.fail(`the leaking file did not run:\n${output}`)
  const [, pid, socket, localPort] = leaked
  t.equal(code, 1, 'the file fails, and exits by itself rather than hanging until the timeout')
  t.match(output, 'left 3 resource(s) open after its cleanups')
  t.match(output, `a socket to ${socket} (local port ${localPort})`, 'the socket, by its remote and local ports')
  t.match(output, `child process ${pid} (`, 'the child process, by its pid')
  t.match(output, 'a setInterval every 60000 ms running leakedHeartbeat', 'the interval, by what it runs')
})

t.test('a test file whose cleanup fails still names what it left open, and exits', async (t) => {
  // A failed teardown stops tap from running the teardowns registered before it, the check's too.
  const { code, output } = await runTestFile(`
    t.teardown(async () => { throw new Error('a cleanup failed') })
    t.test('leaks on purpose', async (t) => {
      const socket = connect(redis.port, redis.host)
      await once(socket, 'connect')
      t.comment(\`leaked: socket \${socket.remoteAddress}:\${socket.remotePort} local \${socket.localPort}\`)
      t.pass('left it open')
    })`)
  const leaked = /leaked: socket (\S+) local (\d+)/.exec(output)
  if (leaked === null) return t.fail(`the leaking file did not run:\n${output}`)
  t.equal(code, 1, 'the file fails, and exits by itself')
  t.match(output, 'a cleanup failed')
  t.match(output, `left 1 resource(s) open after its cleanups, which would keep its process from exiting:\n  - a socket to ${leaked[1]} (local port ${leaked[2]})`)
})

t.test('a test file that closes what it opened passes, even when the closing finishes after its last test', async (t) => {
  const { code, output } = await runTestFile(`
    t.test('closes everything', async (t) => {
      const socket = connect(redis.port, redis.host)
      await once(socket, 'connect')
      // Ended, not awaited: the socket is still open when the test ends.
      socket.end()
      clearInterval(setInterval(() => {}, 60_000))
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' })
      child.kill('SIGKILL')
      t.pass('closed them')
    })`)
  t.equal(code, 0, 'the file passes', { output })
  t.notMatch(output, 'resource(s) open')
})
