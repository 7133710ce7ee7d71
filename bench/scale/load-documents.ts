import type { Pool } from '../../src/db/pool.js'
import { TEMPLATE_COUNT } from './passage-templates.js'

/** The tenant most documents belong to; every 50 documents, three go to the others. */
export const MAIN_TENANT = 'main'
export const OTHER_TENANTS = ['north', 'south', 'east']

// Parser complaints with numbers, ids and quoted names in them: normalised_error folds each
// into one group (migration 009), so the failures page sees a few dozen groups, as in real life.
const ERROR_TEMPLATES = [
  'xref table at offset %s is corrupt (object %s)', 'unexpected end of stream after %s bytes in page %s',
  'encrypted document: revision %s handler %s is not supported', 'page %s exceeds the limit of %s pages',
  'extraction timed out after %s ms on page %s', 'worker %s crashed while reading part %s',
  'invalid UTF-8 at byte %s of line %s', 'zip entry "%s.xml" is missing (entry %s)', 'font table %s references glyph %s beyond the end',
  'image stream %s has an unknown filter %s', 'docx relationship rId%s points outside the package (%s)', 'HTML nesting deeper than %s at line %s',
  'content type %s is not supported (sniffed %s bytes)', 'object stream %s has a loop at %s', 'trailer dictionary missing /Root after %s tries in %s ms',
  'decompressed size %s exceeds the budget of %s bytes', 'table cell %s spans %s rows past the end', 'markdown front matter at line %s is not YAML (%s)',
  'password-protected part %s of %s', 'result of %s passages failed validation at %s', 'page tree depth %s exceeds %s',
  'charset detection gave up after %s of %s bytes', 'annotation %s has a bad rectangle %s', 'embedded file %s is %s bytes too large',
  'cross-reference stream %s has width %s', 'lzw code %s out of range at %s', 'shared strings entry %s missing in sheet %s',
  'numbering definition %s refers to %s', 'outline item %s points to page %s', 'structure tree node %s has %s parents',
  'ocr needed: %s pages without text of %s', 'header %s repeated %s times', 'jbig2 segment %s refers to %s',
  'style %s inherits from itself after %s steps', 'metadata stream %s is %s bytes of nothing', 'lease lost after %s ms on attempt %s'
]
const ERROR_CODES = ['corrupt', 'corrupt', 'encrypted', 'limit_exceeded', 'timeout', 'crashed', 'invalid_result', 'unsupported_type', 'internal']
const NAME_WORDS = ['invoice', 'contract', 'report', 'minutes', 'statement', 'offer', 'payslip', 'receipt', 'manual', 'brochure', 'memo', 'letter']
const EXTENSIONS = [['pdf', 'application/pdf'], ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['html', 'text/html'], ['md', 'text/markdown'], ['txt', 'text/plain']]
/** One file in this many carries {@link RARE_NAME} in its name. */
export const RARE_NAME_EVERY = 200_000
export const RARE_NAME = 'kestrelwood'
/** A realistic created_at: one document every 15 seconds from this instant on. */
export const EPOCH = '2026-01-01T00:00:00Z'

function sqlArray (values: string[]): string {
  return `array[${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')}]`
}

/**
 * Document n (1-based) of the bench, as columns: its tenant, state and everything that follows
 * from it, all derived from n, so that a step adds documents n+1..m with set-based SQL alone.
 * States by n mod 100: 0-84 completed (one in seven by a reprocess), 85-90 failed, 91-93
 * waiting for a retry, 94-98 pending, 99 completed; but one in 20,000 (n = 98, 20098, ...) in
 * progress: the workers' concurrency bounds those, however long the queue.
 */
const SOURCE = `
  select n, gen_random_uuid() as id, gen_random_uuid() as item_id, gen_random_uuid() as first_item_id,
         case n % 50 when 7 then '${OTHER_TENANTS[0]}' when 23 then '${OTHER_TENANTS[1]}' when 41 then '${OTHER_TENANTS[2]}' else '${MAIN_TENANT}' end as tenant,
         case when n % 100 < 85 or n % 100 = 99 then 'completed' when n % 100 < 91 then 'failed' when n % 100 < 94 then 'retrying'
              when n % 100 < 98 or (n / 100) % 200 <> 0 then 'pending' else 'in_progress' end as state,
         (n % 100 < 85 and n % 7 = 3) as reprocessed,
         case when n % 10 = 0 then 1 when n % 10 < 3 then 3 else 2 end::smallint as priority,
         (${sqlArray(NAME_WORDS)})[1 + (n / 3) % ${NAME_WORDS.length}] || '-' || (2020 + n % 7) || '-' ||
           case when n % ${RARE_NAME_EVERY} = 77 then '${RARE_NAME}-' else '' end || n || '.' ||
           (${sqlArray(EXTENSIONS.map(([extension]) => extension))})[1 + n % ${EXTENSIONS.length}] as filename,
         (${sqlArray(EXTENSIONS.map(([, type]) => type))})[1 + n % ${EXTENSIONS.length}] as media_type,
         (n / 11) % ${ERROR_TEMPLATES.length} as error_template,
         timestamptz '${EPOCH}' + n * interval '15 seconds' as created_at
    from generate_series($1::bigint, $2::bigint) as n`

/**
 * The documents n = from..to with their queue items (a reprocessed one has its first, completed
 * item too), attempts, small blobs and passages, in one statement: the counting triggers of
 * migration 005 run on it as on uploads, an item's error_group is computed by its generated
 * column (the document's copy of its current item's fields, migration 016, by the same function),
 * and the passages are copies of {@link createPassageTemplates}' (tsvectors included).
 */
const INSERT = `
  with s0 as materialized (${SOURCE}),
  s as materialized (
    select s0.*,
           case state when 'retrying' then 'pending' else state end as status,
           case state when 'failed' then (case when n % 3 = 0 then 5 else 1 end) when 'retrying' then 1 + n % 3 when 'pending' then 0 else 1 end as attempts,
           case when state in ('failed', 'retrying') then
             format((${sqlArray(ERROR_TEMPLATES)})[1 + error_template], n % 9973, id) end as last_error,
           case state when 'failed' then (case when n % 3 = 0 then 'exhausted' when error_template % 9 = 4 then 'timeout' else 'permanent' end)
                      when 'retrying' then 'transient' end as error_kind,
           case when state in ('failed', 'retrying') then (${sqlArray(ERROR_CODES)})[1 + error_template % ${ERROR_CODES.length}] end as error_code,
           case when state <> 'completed' then 0 when reprocessed then 2 else 1 end as version,
           n % ${TEMPLATE_COUNT} as template
      from s0
  ), items as (
    insert into queue_items (id, document_id, operation, priority, status, attempts, max_attempts, run_at, locked_by, locked_until,
                             last_error, error_kind, error_code, created_at, updated_at, started_at, finished_at, wakeups)
    select item_id, id, case when reprocessed then 'reprocess' else 'process' end, priority, status, attempts, 5,
           case state when 'retrying' then now() + (n % 60) * interval '1 minute' else created_at + interval '1 second' end,
           case when state = 'in_progress' then 'bench-worker' end,
           case when state = 'in_progress' then now() + interval '1 hour' end,
           last_error, error_kind, error_code, created_at + case when reprocessed then interval '1 day' else interval '0' end,
           created_at + interval '2 days',
           case when attempts > 0 then created_at + interval '2 seconds' end,
           case when status in ('completed', 'failed') then created_at + interval '3 seconds' + (n % 50) * interval '100 ms' end, 1
      from s
    union all
    select first_item_id, id, 'process', priority, 'completed', 1, 5, created_at, null, null, null, null, null,
           created_at, created_at + interval '3 seconds', created_at + interval '1 second', created_at + interval '3 seconds', 1
      from s where reprocessed
    returning id, status, attempts, started_at, finished_at, last_error
  ), attempts as (
    insert into queue_item_attempts (item_id, attempt, worker, started_at, finished_at, outcome, error)
    select i.id, a, 'bench-worker', i.started_at + (a - 1) * interval '1 minute',
           case when i.status = 'in_progress' and a = i.attempts then null else i.started_at + (a - 1) * interval '1 minute' + interval '1 second' end,
           case when a < i.attempts then 'retrying' when i.status = 'in_progress' then null when i.status = 'pending' then 'retrying' else i.status end,
           case when i.last_error is not null and (a < i.attempts or i.status <> 'in_progress') then i.last_error end
      from items i cross join generate_series(1, i.attempts) as a
  ), docs as (
    insert into documents (id, tenant, filename, declared_type, media_type, size, sha256, status, current_item_id, text, metadata,
                           version, created_at, updated_at, processed_at, error_kind, queued_at, operation, priority, error_code, last_error, error_group)
    select s.id, tenant, filename, media_type, media_type, 2000 + n % 500000, md5(s.id::text) || md5(filename), status, item_id,
           case when version > 0 then t.text end,
           case when version > 0 then json_build_object('words', 40, 'characters', length(t.text), 'pages', 1, 'title', t.title,
             'author', null, 'language', 'eng', 'detectedType', media_type, 'needsOcr', false)::jsonb else '{}' end,
           version, created_at, created_at + interval '2 days', case when version > 0 then created_at + interval '3 seconds' end,
           error_kind, created_at + case when reprocessed then interval '1 day' else interval '0' end,
           case when reprocessed then 'reprocess' else 'process' end, priority, error_code, last_error, normalised_error(last_error)
      from s left join lateral (
        select string_agg(p.text, E'\\n\\n' order by p.ordinal) as text, min(p.title) as title
          from bench_passages p where p.template = s.template
      ) t on true
  ), blobs as (
    insert into document_blobs (document_id, bytes) select id, convert_to(filename, 'UTF8') from s
  ), configs as (
    insert into search_configs (tenant, config) select distinct tenant, 'english'::regconfig from s on conflict do nothing
  )
  insert into document_chunks (document_id, ordinal, page, text, config, tsv)
  select s.id, p.ordinal, p.page, p.text, 'english', p.tsv
    from s join bench_passages p on p.template = s.template and p.ordinal <= n % 2
   where s.version > 0`

/** Loads documents n = from..to (1-based, inclusive) in batches of `batch`, one statement and transaction each. */
export async function loadDocuments (pool: Pool, from: number, to: number, onBatch: (done: number) => void, batch = 50_000): Promise<void> {
  for (let start = from; start <= to; start += batch) {
    const end = Math.min(to, start + batch - 1)
    await pool.query(INSERT, [start, end])
    onBatch(end)
  }
}
