import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import t from 'tap'
import { TestContext, waitFor } from '../helpers/context.js'
import { freePort } from '../helpers/free-port.js'
import { startServiceProcesses } from '../helpers/service-processes.js'
import { startOtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js'

// One document followed through every process: the real API and worker entry points, started
// with the standard OpenTelemetry variables pointing at a receiver in this test, export spans
// over OTLP/HTTP JSON; they must form one trace, continued from the client's traceparent and
// carried from the API to the worker by the queue item in Postgres. Cold processes on a busy
// machine take a while: the waits bound a hang, they time nothing.
t.setTimeout(600_000)

const repo = resolve('.')
const tsx = import.meta.resolve('tsx')
const SPAN_KIND = { internal: 1, server: 2, producer: 4, consumer: 5 }

t.test('an upload, its queue item and the worker run that completes it are one trace', async (t) => {
  const context = TestContext.create(t)
  const stack = await context.stack()
  const { key } = await stack.apiKeys.create('traced')
  const receiver = await startOtlpReceiver()
  t.teardown(receiver.close)
  const logs = await mkdtemp(join(tmpdir(), 'docqueue-trace-'))
  t.teardown(async () => {
    if (t.passing()) await rm(logs, { recursive: true, force: true })
    else t.comment(`the processes' logs are kept in ${logs}`)
  })

  const port = await freePort()
  const env = {
    ...process.env,
    DATABASE_URL: context.config.DATABASE_URL,
    REDIS_URL: context.config.REDIS_URL,
    QUEUE_PREFIX: context.config.QUEUE_PREFIX,
    PORT: String(port),
    WORKER_CONCURRENCY: '1',
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Spans leave each process a tenth of a second after they end rather than after 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100'
  }
  const api = await startServiceProcesses(context, {
    args: (role) => ['--import', tsx, join(repo, 'src/bin', `${role}.ts`)],
    cwd: repo,
    env: (role) => ({ ...env, OTEL_SERVICE_NAME: `traced-${role}` }),
    logDir: logs,
    port,
    description: 'the API to be ready'
  })

  // The client's own trace, which the service must continue.
  const clientTraceId = randomBytes(16).toString('hex')
  const clientSpanId = randomBytes(8).toString('hex')
  const form = new FormData()
  form.append('file', new Blob(['Traces follow one document through every process.\n\nSecond paragraph.']), 'traced.txt')
  const uploaded = await fetch(`${api}/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, traceparent: `00-${clientTraceId}-${clientSpanId}-01` },
    body: form
  })
  const accepted = await uploaded.json() as { id: string }
  t.equal(uploaded.status, 202, 'the upload is accepted')
  if (uploaded.status !== 202) t.comment(JSON.stringify(accepted))
  const { id } = accepted
  const document = await waitFor(async () => {
    const answer = await fetch(`${api}/documents/${id}`, { headers: { authorization: `Bearer ${key}` } })
    const state = await answer.json() as { status: string }
    return state.status === 'completed' || state.status === 'failed' ? state : undefined
  }, 'the document to be processed', 300_000)
  t.equal(document.status, 'completed')

  const named = (name: string): ReceivedSpan | undefined => receiver.spans.find((span) => span.name === name && span.traceId === clientTraceId)
  await waitFor(async () => named('docqueue.index') !== undefined && named('docqueue.process') !== undefined ? true : undefined, 'the worker spans to be exported')
  await waitFor(async () => named('POST /documents') !== undefined ? true : undefined, 'the request span to be exported')
  const one = (name: string): ReceivedSpan => {
    const found = receiver.spans.filter((span) => span.name === name && span.attributes['docqueue.document.id'] !== undefined ? span.attributes['docqueue.document.id'] === id : span.name === name)
    t.equal(found.length, 1, `one ${name} span`)
    return found[0]
  }

  const request = one('POST /documents')
  const upload = one('docqueue.upload')
  const run = one('docqueue.process')
  const claim = one('docqueue.claim')
  const extract = one('docqueue.extract')
  const complete = one('docqueue.complete')
  const index = one('docqueue.index')
  for (const span of [request, upload, run, claim, extract, complete, index]) {
    t.equal(span.traceId, clientTraceId, `${span.name} is in the client's trace`)
  }

  t.equal(request.service, 'traced-api')
  t.equal(request.kind, SPAN_KIND.server)
  t.equal(request.parentSpanId, clientSpanId, 'the request continues the client\'s span')
  t.equal(request.attributes['http.route'], '/documents')
  t.equal(request.attributes['http.response.status_code'], 202)

  t.equal(upload.service, 'traced-api')
  t.equal(upload.kind, SPAN_KIND.producer)
  t.equal(upload.parentSpanId, request.spanId, 'the upload is part of the request')
  t.equal(upload.attributes['docqueue.document.id'], id)

  const [item] = (await stack.pool.query<{ id: string, traceparent: string }>('select id, traceparent from queue_items where document_id = $1', [id])).rows
  t.equal(item.traceparent, `00-${clientTraceId}-${upload.spanId}-01`, 'the queue item in Postgres carries the upload span\'s context')
  t.equal(upload.attributes['docqueue.item.id'], item.id)

  t.equal(run.service, 'traced-worker', 'the run is the worker process\'s')
  t.equal(run.kind, SPAN_KIND.consumer)
  t.equal(run.parentSpanId, upload.spanId, 'the worker continues the upload span it found in Postgres')
  t.match(run.attributes, { 'docqueue.document.id': id, 'docqueue.item.id': item.id, 'docqueue.attempt': 1, 'docqueue.operation': 'process', 'docqueue.outcome': 'completed' })

  for (const step of [claim, extract, complete]) {
    t.equal(step.service, 'traced-worker')
    t.equal(step.parentSpanId, run.spanId, `${step.name} is a step of the run`)
  }
  t.match(extract.attributes, { 'docqueue.detected_type': 'text/plain', 'docqueue.passages': 1 })
  t.equal(index.parentSpanId, complete.spanId, 'the result is indexed in the completing transaction')
  t.equal(index.attributes['docqueue.passages'], 1)
  t.same(receiver.spans.filter((span) => span.statusCode === 2).map((span) => span.name), [], 'no span failed')
})
