import type { DocumentStatus } from '../states.js'
import type { Queryable } from './pool.js'
import { toPostgresText } from './postgres-safe-text.js'

export interface ChunkRow {
  ordinal: number
  page: number | null
  text: string
}

/** A document's new passages, with what their tsvectors are built from. */
export interface DocumentPassages {
  documentId: string
  title: string | null
  /** The text search configuration (see textSearchConfig). */
  config: string
  chunks: ChunkRow[]
}

/**
 * Replaces a document's passages with new ones (run it inside a transaction, so readers never
 * see a mix of old and new passages).
 */
export async function replaceChunks (db: Queryable, documentId: string, title: string | null, config: string, chunks: ChunkRow[]): Promise<void> {
  await db.query('delete from document_chunks where document_id = $1', [documentId])
  await insertChunks(db, [{ documentId, title, config, chunks }])
}

/**
 * The SQL expression of a passage's tsvector, built in its document's configuration, weighing the
 * title (A), the first passage (B) and the rest (C). The arguments are SQL expressions. Shared by
 * every statement that writes passages, so they all index alike.
 */
export function passageVector (config: string, title: string, ordinal: string, text: string): string {
  return `case when ${ordinal} = 0 then setweight(to_tsvector(${config}, coalesce(${title}, '')), 'A') else ''::tsvector end
           || setweight(to_tsvector(${config}, ${text}), case when ${ordinal} = 0 then 'B' else 'C' end::"char")`
}

/** Passages of several documents as the parallel arrays a statement unnests; `n` counts documents from 1. */
export interface PassageColumns {
  n: number[]
  ordinals: number[]
  pages: Array<number | null>
  texts: string[]
}

/** The passages of `documents` as {@link PassageColumns}, made storable (see toPostgresText). */
export function passageColumns (documents: Array<Pick<DocumentPassages, 'chunks'>>): PassageColumns {
  const columns: PassageColumns = { n: [], ordinals: [], pages: [], texts: [] }
  documents.forEach((document, index) => {
    for (const chunk of document.chunks) {
      columns.n.push(index + 1)
      columns.ordinals.push(chunk.ordinal)
      columns.pages.push(chunk.page)
      columns.texts.push(toPostgresText(chunk.text))
    }
  })
  return columns
}

/**
 * Inserts the passages of several documents in one statement; their old ones must be gone. Each
 * passage gets one tsvector (see passageVector); the configuration is stored with it and added
 * to the tenant's search_configs, so searches parse their query in it too. The worker writes
 * passages with the document's result instead (src/queue/sql/complete-items.ts).
 */
export async function insertChunks (db: Queryable, documents: DocumentPassages[]): Promise<void> {
  const withChunks = documents.filter((document) => document.chunks.length > 0)
  if (withChunks.length === 0) return
  const passages = passageColumns(withChunks)
  await db.query(`
    with document as (
      select * from unnest($1::uuid[], $2::text[], $3::regconfig[]) with ordinality as d(id, title, config, n)
    ), known as (
      insert into search_configs (tenant, config)
      select distinct documents.tenant, document.config from document join documents on documents.id = document.id
      on conflict do nothing
    )
    insert into document_chunks (document_id, ordinal, page, text, config, tsv)
    select d.id, c.ordinal, c.page, c.text, d.config, ${passageVector('d.config', 'd.title', 'c.ordinal', 'c.text')}
      from unnest($4::int[], $5::int[], $6::int[], $7::text[]) as c(n, ordinal, page, text)
      join document d on d.n = c.n`,
  [
    withChunks.map((document) => document.documentId),
    withChunks.map((document) => document.title === null ? null : toPostgresText(document.title)),
    withChunks.map((document) => document.config),
    passages.n, passages.ordinals, passages.pages, passages.texts
  ])
}

/** A page of a document's last passages, the version they belong to, and the document's status. */
export interface DocumentChunks {
  status: DocumentStatus
  /** 0 before the first result. */
  version: number
  chunks: ChunkRow[]
}

/**
 * A page of a tenant's document's passages in order, after ordinal `after`, with its version
 * and status. One statement, so one snapshot: the version is the one these passages belong to,
 * even while a new result is being committed. Undefined when the tenant has no such document.
 */
export async function findDocumentChunks (db: Queryable, tenant: string, id: string, after: number, limit: number): Promise<DocumentChunks | undefined> {
  const { rows } = await db.query<{ status: DocumentStatus, version: number, ordinal: number | null, page: number | null, text: string | null }>(`
    select d.status, d.version, c.ordinal, c.page, c.text
      from documents d
      left join lateral (
        select ordinal, page, text from document_chunks
         where document_id = d.id and ordinal > $3 order by ordinal limit $4
      ) c on true
     where d.id = $1 and d.tenant = $2
     order by c.ordinal`, [id, tenant, after, limit])
  if (rows.length === 0) return undefined
  const chunks = rows.flatMap(({ ordinal, page, text }) => ordinal === null || text === null ? [] : [{ ordinal, page, text }])
  return { status: rows[0].status, version: rows[0].version, chunks }
}

export interface SearchHit {
  documentId: string
  filename: string
  title: string | null
  rank: number
  /** Up to three passages, best first; `snippet` marks matches with U+E000 … U+E001. */
  hits: Array<{ ordinal: number, page: number | null, snippet: string, rank: number }>
}

/** A page of search results: matching documents in all pages, and whether that count stopped at the cap. */
export interface SearchResultPage {
  total: number
  totalIsCapped: boolean
  results: SearchHit[]
}

/**
 * At most this many matching passages are read for one search. A GIN index cannot return
 * matches best first, so ranking them all costs in proportion to how many there are: a common
 * word in 10⁶ passages means reading and ranking hundreds of thousands of rows (seconds).
 * Instead a search ranks the first passages the index yields (in table order), up to this many,
 * which bounds the reading and ranking whatever the size of the corpus; the bitmap of matches
 * the index builds first still grows with them (about 60 ms for a word in each of 10⁶
 * passages). The trade-off: when a query
 * matches more, results are the best of those candidates rather than of all matches (a
 * narrower query finds the rest), and the total counts the documents among them, flagged as
 * capped (a lower bound). Queries matching fewer passages are ranked and counted exactly.
 */
export const searchCandidateLimit = 2_000

/**
 * Full-text search over a tenant's documents that have a result (their last one: a reprocess
 * pending, running or failed leaves it searchable) with `websearch_to_tsquery` syntax
 * (quotes, OR, -word). The query is parsed once in each configuration the tenant's passages
 * were built in (search_configs, a few rows); the OR of those finds candidates through the GIN
 * index, and each passage must then match the query parsed in its own configuration, so that an
 * exclusion (-word) or phrase holds in the passage's language, not just in some other one.
 * Passages from before per-language indexing (config null) hold English and simple lexemes and
 * match the query parsed in those two, as they always did. Ranking and the total cover at most
 * `candidateLimit` matching passages (see searchCandidateLimit). Documents rank by their best
 * passage; each carries up to three passages with a highlighted snippet. Paged by offset,
 * because ranks make no stable cursor.
 */
export async function searchChunks (
  db: Queryable, tenant: string, query: string,
  options: { limit: number, offset: number, candidateLimit?: number }
): Promise<SearchResultPage> {
  const { rows } = await db.query<SearchResultPage>(`
    with parsed as (
      select config, websearch_to_tsquery(config, $2) as query from search_configs where tenant = $1
    ), any_config as (
      select tsquery_or_agg(query) as query from parsed
    ), legacy as (
      select websearch_to_tsquery('english', $2) || websearch_to_tsquery('simple', $2) as query
    ), found as (
      select c.document_id, c.ordinal, c.config, own.query, ts_rank_cd(c.tsv, own.query) as rank
        from document_chunks c
        join documents d on d.id = c.document_id and d.tenant = $1 and d.version > 0
        left join parsed p on p.config = c.config
        cross join legacy
        cross join lateral (select coalesce(p.query, legacy.query) as query) own
       where c.tsv @@ (select query from any_config)
         -- With one configuration the index has already matched the passage's own query:
         -- skip reading its tsvector a second time.
         and (own.query = (select query from any_config) or c.tsv @@ own.query)
       limit $5 + 1
    ), matches as (
      select f.document_id, f.ordinal, f.config, f.query, f.rank,
             row_number() over (partition by f.document_id order by f.rank desc, f.ordinal) as position
        from (select * from found limit $5) f
    ), page as (
      select m.document_id, max(m.rank) as rank
        from matches m group by m.document_id
       order by max(m.rank) desc, m.document_id
       limit $3 offset $4
    ), hits as (
      select p.document_id, p.rank, d.filename, d.metadata->>'title' as title,
             json_agg(json_build_object(
               'ordinal', m.ordinal, 'page', c.page, 'rank', m.rank,
               'snippet', ts_headline(coalesce(m.config, 'english'), c.text, m.query,
                 'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || ', MaxWords=35, MinWords=15, MaxFragments=2')
             ) order by m.rank desc, m.ordinal) as hits
        from page p
        join documents d on d.id = p.document_id
        join matches m on m.document_id = p.document_id and m.position <= 3
        join document_chunks c on c.document_id = m.document_id and c.ordinal = m.ordinal
       group by p.document_id, p.rank, d.filename, d.metadata
    )
    select (select count(distinct document_id) from matches)::int as total,
           (select count(*) > $5 from found) as "totalIsCapped",
           coalesce((select json_agg(json_build_object(
             'documentId', h.document_id, 'filename', h.filename, 'title', h.title, 'rank', h.rank, 'hits', h.hits
           ) order by h.rank desc, h.document_id) from hits h), '[]') as results`,
  [tenant, query, options.limit, options.offset, options.candidateLimit ?? searchCandidateLimit])
  return rows[0]
}
