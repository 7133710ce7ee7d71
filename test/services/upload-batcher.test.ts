import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import { TestContext } from '../helpers/context.js'

const context = TestContext.create(t)
const stack = await context.stack()

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

t.test('uploads of mixed sizes that finish together are stored byte for byte, with their queue items', async (t) => {
  // Small uploads and large ones are batched apart; each group is over a megabyte, so it goes by
  // COPY: small ones share writes, large ones are streamed in slices.
  const files = [1, 40_000, 200_000, 5, 3 * 1024 * 1024 + 7, 250_000, 256 * 1024, 2, 200_000, 300_000, 180_000, 900_000, 150_000]
    .map((size) => randomBytes(size))
  const accepted = await Promise.all(files.map(async (bytes, i) => await stack.documents.upload({
    tenant: 'mixed', filename: `file-${i}.bin`, declaredType: 'application/octet-stream', bytes, sha256: sha256(bytes), priority: 2
  })))
  t.same(accepted.map(({ document, replayed }) => [document.size, document.sha256, document.status, replayed]),
    files.map((bytes) => [bytes.length, sha256(bytes), 'pending', false]))
  const { rows } = await stack.pool.query<{ id: string, stored: string, size: number, items: number }>(`
    select b.document_id as id, encode(sha256(b.bytes), 'hex') as stored, length(b.bytes) as size,
           (select count(*)::int from queue_items q where q.document_id = b.document_id) as items
      from document_blobs b where b.document_id = any($1::uuid[])`, [accepted.map(({ document }) => document.id)])
  const byId = new Map(rows.map((row) => [row.id, row]))
  t.same(accepted.map(({ document }) => byId.get(document.id)),
    accepted.map(({ document }, i) => ({ id: document.id, stored: sha256(files[i]), size: files[i].length, items: 1 })))
})

for (const size of [10_000, 2 * 1024 * 1024]) {
  t.test(`an idempotent retry of ${size} bytes in the same batch as its first upload stores the bytes once`, async (t) => {
    const bytes = randomBytes(size)
    const tenant = `retry-${size}`
    const upload = { tenant, filename: 'same.bin', declaredType: 'application/octet-stream', bytes, sha256: sha256(bytes), priority: 2, idempotencyKey: 'k-1' }
    const [first, second] = await Promise.all([stack.documents.upload(upload), stack.documents.upload(upload)])
    t.equal(first.document.id, second.document.id)
    t.same([first.replayed, second.replayed].sort(), [false, true])
    const { rows } = await stack.pool.query<{ stored: string }>(
      "select encode(sha256(b.bytes), 'hex') as stored from document_blobs b join documents d on d.id = b.document_id where d.tenant = $1", [tenant])
    t.same(rows, [{ stored: sha256(bytes) }])
  })
}

t.test('uploaded text is stored compressed with lz4 and reads back byte for byte; bytes that do not compress are stored as they are', async (t) => {
  const text = Buffer.from('The quarterly budget was reviewed before the end of the month. '.repeat(200))
  const noise = randomBytes(20_000)
  const [prose, random] = await Promise.all([text, noise].map(async (bytes, i) => await stack.documents.upload({
    tenant: 'compressed', filename: `file-${i}.txt`, declaredType: 'text/plain', bytes, sha256: sha256(bytes), priority: 2
  })))
  const { rows } = await stack.pool.query<{ id: string, method: string | null, stored: string }>(`
    select document_id as id, pg_column_compression(bytes) as method, encode(sha256(bytes), 'hex') as stored
      from document_blobs where document_id = any($1::uuid[])`, [[prose.document.id, random.document.id]])
  const byId = new Map(rows.map((row) => [row.id, row]))
  t.same(byId.get(prose.document.id), { id: prose.document.id, method: 'lz4', stored: sha256(text) })
  t.same(byId.get(random.document.id), { id: random.document.id, method: null, stored: sha256(noise) })
})

for (const size of [10_000, 600_000]) {
  t.test(`an upload Postgres refuses fails alone: the others of its batch (${size} bytes each) are stored once, with their items and bytes`, async (t) => {
    const tenant = `one-bad-${size}`
    const files = [0, 1, 2, 3].map(() => randomBytes(size))
    // A priority out of smallint's range: a data exception that fails the statement of the whole batch.
    const priorities = [2, 70_000, 1, 3]
    const outcomes = await Promise.allSettled(files.map(async (bytes, i) => await stack.documents.upload({
      tenant, filename: `file-${i}.bin`, declaredType: 'application/octet-stream', bytes, sha256: sha256(bytes), priority: priorities[i]
    })))
    t.same(outcomes.map((outcome) => outcome.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    t.match(outcomes[1], { status: 'rejected', reason: { code: '22003' } })
    const accepted = outcomes.flatMap((outcome) => outcome.status === 'fulfilled' ? [outcome.value.document] : [])
    const { rows } = await stack.pool.query<{ id: string, stored: string, priority: number, items: number }>(`
      select d.id, encode(sha256(b.bytes), 'hex') as stored, q.priority,
             (select count(*)::int from queue_items i where i.document_id = d.id) as items
        from documents d join document_blobs b on b.document_id = d.id join queue_items q on q.id = d.current_item_id
       where d.tenant = $1 order by d.filename`, [tenant])
    t.same(rows, [0, 2, 3].map((i, n) => ({ id: accepted[n].id, stored: sha256(files[i]), priority: priorities[i], items: 1 })))
  })
}
