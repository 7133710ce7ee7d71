import pg from 'pg'
import t from 'tap'
import { runMigrations } from '../../src/db/migrate.js'
import { createPool, ensureDatabase } from '../../src/db/pool.js'
import { adminRoles, attemptOutcomes, bulkActions, bulkStatuses, errorKinds, failureCodes, itemStatuses, operations, retentionTargets } from '../../src/states.js'
import { TestContext } from '../helpers/context.js'

// The migrations repeat the catalogue of states (src/states.ts) in check constraints; these
// tests hold the two to the same lists, read from the constraints and tried on real rows.

const context = TestContext.create(t)
await ensureDatabase(context.config.DATABASE_URL)
const pool = createPool(context.config.DATABASE_URL, { max: 2 })
context.onCleanup(async () => { await pool.end() })
await runMigrations(pool)

const columns = [
  { table: 'documents', column: 'status', catalogue: itemStatuses },
  { table: 'documents', column: 'error_kind', catalogue: errorKinds },
  { table: 'documents', column: 'operation', catalogue: operations },
  { table: 'documents', column: 'error_code', catalogue: failureCodes },
  { table: 'queue_items', column: 'status', catalogue: itemStatuses },
  { table: 'queue_items', column: 'operation', catalogue: operations },
  { table: 'queue_items', column: 'error_kind', catalogue: errorKinds },
  { table: 'queue_items', column: 'error_code', catalogue: failureCodes },
  { table: 'queue_item_attempts', column: 'outcome', catalogue: attemptOutcomes },
  { table: 'admin_accounts', column: 'role', catalogue: adminRoles },
  { table: 'admin_bulk_actions', column: 'action', catalogue: bulkActions },
  { table: 'admin_bulk_actions', column: 'status', catalogue: bulkStatuses }
]

// Each test writes one document with one item and one attempt, and one admin account, and throws them away.
const documentId = '00000000-0000-4000-8000-000000000001'
const itemId = '00000000-0000-4000-8000-000000000002'
const rowOf: Record<string, { key: string, value: string }> = {
  documents: { key: 'id', value: documentId },
  queue_items: { key: 'id', value: itemId },
  queue_item_attempts: { key: 'item_id', value: itemId },
  admin_accounts: { key: 'name', value: 'catalogue' },
  admin_bulk_actions: { key: 'id', value: documentId }
}

/** The check constraints on exactly this column, with their definitions as Postgres prints them. */
async function checksOn (table: string, column: string): Promise<Array<{ name: string, definition: string }>> {
  const { rows } = await pool.query(`
    select c.conname as name, pg_get_constraintdef(c.oid) as definition
      from pg_constraint c
     where c.conrelid = $1::regclass and c.contype = 'c'
       and c.conkey = array[(select a.attnum from pg_attribute a where a.attrelid = $1::regclass and a.attname = $2)]`,
  [table, column])
  return rows
}

/** The text literals of a constraint definition, such as `CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))`. */
function literals (definition: string): string[] {
  return [...definition.matchAll(/'((?:[^']|'')*)'::text/g)].map((match) => match[1].replaceAll("''", "'"))
}

for (const { table, column, catalogue } of columns) {
  t.test(`${table}.${column} allows exactly the catalogue's values`, async (t) => {
    const checks = await checksOn(table, column)
    t.equal(checks.length, 1, 'one check constraint on the column')
    const [check] = checks
    t.same(literals(check.definition).sort(), [...catalogue].sort(), `the values the constraint lists: ${check.definition}`)

    // The rows live in one transaction, rolled back at the end; each value is tried under a
    // savepoint, so that a refusal leaves the transaction usable for the next.
    const client = await pool.connect()
    const row = rowOf[table]
    const set = `update ${pg.escapeIdentifier(table)} set ${pg.escapeIdentifier(column)} = $1 where ${pg.escapeIdentifier(row.key)} = $2`
    const attempt = async (value: string): Promise<{ code?: string, constraint?: string } | undefined> => {
      await client.query('savepoint probe')
      try {
        await client.query(set, [value, row.value])
        return undefined
      } catch (error) {
        return error as { code?: string, constraint?: string }
      } finally {
        await client.query('rollback to savepoint probe')
      }
    }
    try {
      await client.query('begin')
      await client.query(`
        insert into documents (id, tenant, filename, media_type, size, sha256, status, operation, priority, current_item_id)
        values ($1, 'catalogue', 'catalogue.txt', 'text/plain', 1, 'none', 'pending', 'process', 2, $2)`, [documentId, itemId])
      await client.query(`
        insert into queue_items (id, document_id, operation, priority, status, max_attempts)
        values ($2, $1, 'process', 2, 'pending', 1)`, [documentId, itemId])
      await client.query("insert into queue_item_attempts (item_id, attempt, worker) values ($1, 1, 'catalogue')", [itemId])
      await client.query("insert into admin_accounts (name, role, password_hash) values ('catalogue', 'viewer', 'none')")
      await client.query("insert into admin_bulk_actions (id, action, target_document_ids, account_name, total) values ($1, 'retry', '{}', 'catalogue', 0)", [documentId])

      for (const value of catalogue) t.equal(await attempt(value), undefined, `'${value}' is allowed`)
      for (const value of ['not_in_the_catalogue', catalogue[0].toUpperCase()]) {
        t.match(await attempt(value), { code: '23514', constraint: check.name }, `'${value}' is refused by ${check.name}`)
      }
    } finally {
      await client.query('rollback')
      client.release()
    }
  })
}

// The retention policy has one row per target, its primary key: trying values on a row would
// collide with the others, so only the constraint's list is compared.
t.test('admin_retention_policy.target lists exactly the catalogue\'s targets', async (t) => {
  const [check] = await checksOn('admin_retention_policy', 'target')
  t.same(literals(check.definition).sort(), [...retentionTargets].sort(), check.definition)
})
