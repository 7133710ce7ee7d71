import t from 'tap'
import { isDataError } from '../../src/db/data-error.js'
import { toPostgresJson, toPostgresText } from '../../src/db/postgres-safe-text.js'
import { TestContext } from '../helpers/context.js'

const context = TestContext.create(t)
const stack = await context.stack()
const { pool } = stack

async function refusal (sql: string, values: unknown[]): Promise<unknown> {
  try {
    await pool.query(sql, values)
  } catch (error) {
    return error
  }
  throw new Error(`expected Postgres to refuse: ${sql}`)
}

t.test('toPostgresText removes NUL, replaces lone surrogates and keeps everything else', async (t) => {
  t.equal(toPostgresText('a\u0000b\u0000'), 'ab')
  t.equal(toPostgresText('x\uD800y'), 'x\uFFFDy', 'a lone high surrogate')
  t.equal(toPostgresText('x\uDC00y\uD83D'), 'x\uFFFDy\uFFFD', 'a lone low surrogate, and a high one at the end')
  t.equal(toPostgresText('\uDC00\uD800'), '\uFFFD\uFFFD', 'halves in the wrong order are both lone')
  const valid = 'emoji 😀, CJK 漢字, tab\t, DEL \u007F, U+FFFE \uFFFE, private use \uE000'
  t.equal(toPostgresText(valid), valid, 'surrogate pairs, controls and noncharacters are valid text')
})

t.test('toPostgresJson cleans every string of a value, keys included, and keeps other values', async (t) => {
  const when = new Date('2026-01-02T03:04:05Z')
  const cleaned = toPostgresJson({
    'ti\u0000tle': 'Annual \uD800 review',
    nested: { list: ['a\u0000', 1, null, true, ['\uDFFF']], when },
    words: 3
  })
  t.same(cleaned, { title: 'Annual \uFFFD review', nested: { list: ['a', 1, null, true, ['\uFFFD']], when }, words: 3 })
})

t.test('Postgres stores what toPostgresText and toPostgresJson return, and refuses the raw values', async (t) => {
  const metadata = { frontMatter: { 'k\u0000': 'v\u0000' }, title: 'x\uD800' }
  const rawJson = await refusal('select $1::jsonb', [JSON.stringify(metadata)])
  t.ok(isDataError(rawJson), `jsonb refuses \\u0000: ${(rawJson as Error).message}`)
  const loneJson = await refusal('select $1::jsonb', [JSON.stringify({ title: 'x\uD800' })])
  t.ok(isDataError(loneJson), `jsonb refuses a lone surrogate: ${(loneJson as Error).message}`)
  const rawText = await refusal('select $1::text', ['a\u0000b'])
  t.ok(isDataError(rawText), `text refuses NUL: ${(rawText as Error).message}`)

  const { rows } = await pool.query('select $1::jsonb as metadata, $2::text as text', [JSON.stringify(toPostgresJson(metadata)), toPostgresText('a\u0000b\uD800')])
  t.same(rows[0], { metadata: { frontMatter: { k: 'v' }, title: 'x\uFFFD' }, text: 'ab\uFFFD' })
})

t.test('isDataError tells values Postgres refuses from failures worth another attempt', async (t) => {
  const tooLong = await refusal("select to_tsvector('simple', string_agg('word' || g, ' ')) from generate_series(1, 200000) g", [])
  t.match(tooLong, { code: '54000', message: /too long for tsvector/ })
  t.ok(isDataError(tooLong), 'a tsvector over 1 MB')
  t.ok(isDataError(await refusal('select $1::int', ['99999999999'])), 'a value out of range')

  t.notOk(isDataError(await refusal('select * from no_such_table', [])), 'a bug in a statement (42P01)')
  t.notOk(isDataError(await refusal('select pg_terminate_backend(pg_backend_pid())', [])), 'a terminated session')
  t.notOk(isDataError(new Error('Connection terminated unexpectedly')), 'an error that is not from Postgres')
  t.notOk(isDataError(Object.assign(new Error('looks like one'), { code: '22P05' })), 'a code alone does not make a Postgres error')
})
