import t from 'tap'
import { containsPattern, filterConditions, filterSearchParams, type DocumentFilter } from '../../src/admin/documents/document-filter.js'
import { filteredStatusCounts } from '../../src/admin/documents/filtered-status-counts.js'
import { listFilteredDocuments } from '../../src/admin/documents/list-filtered-documents.js'
import type { DocumentRecord } from '../../src/db/documents.js'
import { AppError } from '../../src/errors.js'
import { priorityRanks } from '../../src/queue/priority.js'
import { FAILURE_CODE } from '../../src/states.js'
import { TestContext } from '../helpers/context.js'
import { completedDocument, enqueueOne, failedDocument, newTenant } from '../helpers/queue-fixtures.js'

// Each filter on real rows: documents driven through the queue into every state, then read
// back with the conditions the admin list, its counts and bulk actions use.
const context = TestContext.create(t)
const stack = await context.stack()
const tenant = newTenant()
const other = newTenant()

const report = await completedDocument(stack, { tenant, filename: 'report-2026.pdf', priority: priorityRanks.high })
const discount = await failedDocument(stack, { tenant, filename: 'invoice_50%_off.txt' }, { message: 'bad xref at offset 123 in "a.pdf"', code: FAILURE_CODE.corrupt })
const plain = await failedDocument(stack, { tenant, filename: 'plain.txt' }, { message: 'bad xref at offset 4567 in "b.pdf"', code: FAILURE_CODE.corrupt })
const markup = await failedDocument(stack, { tenant, filename: '<b>bold</b>.txt' }, { message: '<script>alert("x")</script> is not a document', code: FAILURE_CODE.unsupportedType })
const waiting = await enqueueOne(stack, { tenant, filename: 'waiting.txt', priority: priorityRanks.low })
const reprocessed = await failedDocument(stack, { tenant, filename: 'again.txt' }, { message: 'a stale error zzzq', code: FAILURE_CODE.internal })
if (await stack.queue.enqueue(tenant, reprocessed.id) === undefined) throw new Error('the reprocess was refused')
const elsewhere = await failedDocument(stack, { tenant: other, filename: 'report-2026.pdf' }, { message: 'timed out after 30000 ms', code: FAILURE_CODE.timeout })
await stack.pool.query('update documents set created_at = \'2020-01-15T10:00:00Z\' where id = $1', [report.id])

const names = new Map<string, string>([report, discount, plain, markup, waiting, reprocessed, elsewhere].map((document: DocumentRecord) => [document.id, document.filename]))

/** The file names of the documents a filter selects within `tenants`, sorted. */
async function matching (filter: DocumentFilter, tenants: string[] | null = [tenant]): Promise<string[]> {
  // Two parameters of the caller's own come first, as a page's keyset position would.
  const { sql, params } = filterConditions(filter, tenants, 3)
  const { rows } = await stack.pool.query<{ id: string }>(`
    select d.id from documents d where $1::int = 1 and $2::text = 'x' and ${sql}`, [1, 'x', ...params])
  return rows.map((row) => names.get(row.id) ?? 'a document of another test').sort()
}

t.test('no filter selects every document of the allowed tenants', async (t) => {
  t.same(await matching({}), ['<b>bold</b>.txt', 'again.txt', 'invoice_50%_off.txt', 'plain.txt', 'report-2026.pdf', 'waiting.txt'])
  t.same(await matching({}, [other]), ['report-2026.pdf'])
})

t.test('status, operation, priority, kind and code each narrow the list', async (t) => {
  t.same(await matching({ status: 'failed' }), ['<b>bold</b>.txt', 'invoice_50%_off.txt', 'plain.txt'])
  t.same(await matching({ status: 'pending' }), ['again.txt', 'waiting.txt'])
  t.same(await matching({ operation: 'reprocess' }), ['again.txt'])
  t.same(await matching({ priority: 'high' }), ['report-2026.pdf'])
  t.same(await matching({ priority: 'low' }), ['waiting.txt'])
  t.same(await matching({ kind: 'permanent' }), ['<b>bold</b>.txt', 'invoice_50%_off.txt', 'plain.txt'])
  t.same(await matching({ kind: 'timeout' }, null).then((found) => found.filter((name) => name === 'report-2026.pdf')), ['report-2026.pdf'])
  t.same(await matching({ code: 'unsupported_type' }), ['<b>bold</b>.txt'])
  t.same(await matching({ status: 'failed', code: 'corrupt', operation: 'process' }), ['invoice_50%_off.txt', 'plain.txt'])
})

t.test('from and to bound the creation time; a date covers its whole day', async (t) => {
  t.same(await matching({ from: '2020-01-15', to: '2020-01-15' }), ['report-2026.pdf'])
  t.same(await matching({ to: '2020-01-14' }), [])
  t.same(await matching({ from: '2020-01-15T10:00:00Z', to: '2020-01-15T10:00:00Z' }), ['report-2026.pdf'], 'both bounds are inclusive')
  t.same(await matching({ from: '2020-01-15T10:00:01' }).then((found) => found.includes('report-2026.pdf')), false, 'a time without offset is UTC')
  t.same(await matching({ from: '2020-01-15T10:30:00+01:00', to: '2020-01-15T12:00:00+02:00' }), ['report-2026.pdf'], 'offsets are honoured')
  t.same(await matching({ from: '2020-01-16' }), ['<b>bold</b>.txt', 'again.txt', 'invoice_50%_off.txt', 'plain.txt', 'waiting.txt'])
})

t.test('a date that does not exist is a client error, not a database error', async (t) => {
  for (const value of ['2026-02-30', '2026-13-01', '2026-01-01T24:00:00Z', '2026-01-01T10:61', '2026-01-01T10:00+16:00']) {
    t.throws(() => filterConditions({ from: value }, null), new AppError('DOCQ_REQUEST_INVALID', 'from must be a real ISO 8601 date or date-time, such as 2026-03-01 or 2026-03-01T12:00:00Z'), value)
  }
  t.throws(() => filterConditions({ to: '2025-02-29' }, null), { code: 'DOCQ_REQUEST_INVALID' })
  t.doesNotThrow(() => filterConditions({ to: '2024-02-29' }, null), 'a leap day exists')
})

t.test('the tenant limit cannot be escaped with the tenant parameter', async (t) => {
  t.same(await matching({ tenant: other }, [tenant]), [], 'another tenant is not widened to')
  t.same(await matching({ tenant: other }, []), [], 'an account with no tenants sees none')
  t.same(await matching({ tenant: other }, null), ['report-2026.pdf'])
  t.same(await matching({ tenant }, [tenant, other]), await matching({}, [tenant]), 'within the limit, it narrows')
})

t.test('q finds a literal substring of the file name or the current error, quotes and markup included', async (t) => {
  t.same(await matching({ q: 'REPORT' }), ['report-2026.pdf'], 'case-insensitive')
  t.same(await matching({ q: '0%_o' }), ['invoice_50%_off.txt'], '% and _ are literal')
  t.same(await matching({ q: '___' }), [], 'underscores match only underscores')
  t.same(await matching({ q: '%%%' }), [])
  t.same(await matching({ q: '"a.pdf"' }), ['invoice_50%_off.txt'], 'double quotes in the error text')
  t.same(await matching({ q: '\'; drop table documents; --' }), [], 'a single quote is a value, not SQL')
  t.same(await matching({ q: '<script>' }), ['<b>bold</b>.txt'], 'markup in the error text')
  t.same(await matching({ q: '<b>bo' }), ['<b>bold</b>.txt'], 'markup in the file name')
  t.same(await matching({ q: 'xref' }), ['invoice_50%_off.txt', 'plain.txt'])
  t.same(await matching({ q: 'zzzq' }), [], 'the error of an item that is no longer current is not searched')
  t.same(await matching({ q: 'back\\slash' }), [])
  t.equal(containsPattern('a\\b%c_d'), '%a\\\\b\\%c\\_d%')
})

t.test('the list, merged from its branches by status, and its counts select what the conditions select', async (t) => {
  const filters: DocumentFilter[] = [
    {}, { q: 'xref' }, { q: '.txt', status: 'failed' }, { status: 'pending' }, { code: 'corrupt' }, { operation: 'reprocess' },
    { priority: 'low' }, { group: 'bad xref at offset <n> in <quoted>', status: 'failed' }, { kind: 'permanent', q: 'bold' }
  ]
  for (const filter of filters) {
    const { sql, params } = filterConditions(filter, [tenant])
    const { rows: expected } = await stack.pool.query<{ id: string }>(`select d.id from documents d where ${sql} order by d.created_at desc, d.id desc`, params)
    const listed = await listFilteredDocuments(stack.pool, filter, [tenant], { limit: 100 })
    t.same(listed.map((row) => row.id), expected.map((row) => row.id), `${JSON.stringify(filter)}: the same documents, newest first`)

    const others = filterConditions({ ...filter, status: undefined }, [tenant])
    const { rows: recounted } = await stack.pool.query<{ status: string, n: number }>(
      `select d.status, count(*)::int as n from documents d where ${others.sql} group by 1`, others.params)
    const counts = await filteredStatusCounts(stack.pool, filter, [tenant])
    t.same(counts.map((count) => [count.status, count.count]),
      counts.map((count) => [count.status, recounted.find((row) => row.status === count.status)?.n ?? 0]), `${JSON.stringify(filter)}: the counts per status`)
  }
})

t.test('normalised_error groups messages that differ only by ids, numbers and quoted values', async (t) => {
  const { rows } = await stack.pool.query<{ message: string, normalised: string }>(`
    select message, normalised_error(message) as normalised from unnest($1::text[]) as message`, [[
    'bad xref at offset 123 in "a.pdf"',
    'bad xref at offset 4567 in "b.pdf"',
    'document 1b4e28ba-2fa1-11d2-883f-0016d3cca427 failed: hash 9f86d081884c7d65 at 0xFF',
    'document 6fa459ea-ee8a-3ca4-894e-db77e160355e   failed: hash 3e23e8160039594a at 0x1A2B',
    'file \'x.docx\' is encrypted',
    'file \'y y.docx\' is encrypted'
  ]])
  const normalised = rows.map((row) => row.normalised)
  t.equal(normalised[0], 'bad xref at offset <n> in <quoted>')
  t.equal(normalised[1], normalised[0])
  t.equal(normalised[2], 'document <uuid> failed: hash <hex> at <hex>')
  t.equal(normalised[3], normalised[2], 'whitespace is collapsed too')
  t.equal(normalised[4], 'file <quoted> is encrypted')
  t.equal(normalised[5], normalised[4])
  const long = await stack.pool.query<{ length: number }>('select length(normalised_error(repeat(\'word \', 1000))) as length')
  t.equal(long.rows[0].length, 200, 'capped')
})

t.test('group selects the documents of one normalised error', async (t) => {
  t.same(await matching({ group: 'bad xref at offset <n> in <quoted>' }), ['invoice_50%_off.txt', 'plain.txt'])
  t.same(await matching({ group: 'a stale error zzzq' }), [], 'only the current item counts')
  t.same(await matching({ group: 'timed out after <n> ms' }, null).then((found) => found.filter((name) => name === 'report-2026.pdf')), ['report-2026.pdf'])
})

t.test('filterSearchParams writes every set field and nothing else', async (t) => {
  t.equal(filterSearchParams({}).toString(), '')
  t.equal(filterSearchParams({ status: 'failed', q: 'a b&c', group: 'x <n>', tenant: undefined }).toString(), 'status=failed&q=a+b%26c&group=x+%3Cn%3E')
  const all: Required<DocumentFilter> = {
    status: 'failed', operation: 'process', tenant: 't', priority: 'low', kind: 'permanent', code: 'corrupt', from: '2026-01-01', to: '2026-01-02', q: 'abc', group: 'g'
  }
  t.same(Object.fromEntries(filterSearchParams(all)), all, 'every field round-trips')
})
