import type { Queryable } from './pool.js'
import { toPostgresText } from './postgres-safe-text.js'

export interface ChunkRow {
  ordinal: number
  page: number | null
  text: string
}

/**
 * Replaces a document's passages with new ones in one statement each (run it inside the
 * transaction that writes the result, so readers never see a mix of old and new passages).
 * The tsvector weighs the title (A), the first passage (B) and the rest (C), plus an unstemmed
 * copy (D) so that words the English stemmer does not know are still found. Title and passages
 * are made storable first (see toPostgresText).
 */
export async function replaceChunks (db: Queryable, documentId: string, title: string | null, chunks: ChunkRow[]): Promise<void> {
  await db.query('delete from document_chunks where document_id = $1', [documentId])
  if (chunks.length === 0) return
  await db.query(`
    insert into document_chunks (document_id, ordinal, page, text, tsv)
    select $1, c.ordinal, c.page, c.text,
           case when c.ordinal = 0 then setweight(to_tsvector('english', coalesce($2, '')), 'A') else ''::tsvector end
           || setweight(to_tsvector('english', c.text), case when c.ordinal = 0 then 'B' else 'C' end::"char")
           || setweight(to_tsvector('simple', c.text), 'D')
    from unnest($3::int[], $4::int[], $5::text[]) as c(ordinal, page, text)`,
  [documentId, title === null ? null : toPostgresText(title), chunks.map((c) => c.ordinal), chunks.map((c) => c.page), chunks.map((c) => toPostgresText(c.text))])
}

/** A page of a document's passages in order, after ordinal `after`. */
export async function listChunks (db: Queryable, documentId: string, after: number, limit: number): Promise<ChunkRow[]> {
  const { rows } = await db.query<ChunkRow>(`
    select ordinal, page, text from document_chunks
     where document_id = $1 and ordinal > $2 order by ordinal limit $3`, [documentId, after, limit])
  return rows
}

export interface SearchHit {
  documentId: string
  filename: string
  title: string | null
  rank: number
  /** Up to three passages, best first; `snippet` marks matches with U+E000 … U+E001. */
  hits: Array<{ ordinal: number, page: number | null, snippet: string, rank: number }>
}

/**
 * Full-text search over a tenant's completed documents with `websearch_to_tsquery` syntax
 * (quotes, OR, -word), matched stemmed (English) or as exact words (simple). Documents rank by
 * their best passage; each carries up to three passages with a highlighted snippet. Paged by
 * offset, because ranks make no stable cursor.
 */
export async function searchChunks (db: Queryable, tenant: string, query: string, options: { limit: number, offset: number }): Promise<{ total: number, results: SearchHit[] }> {
  const { rows } = await db.query<{ total: number, results: SearchHit[] }>(`
    with q as (
      select websearch_to_tsquery('english', $2) || websearch_to_tsquery('simple', $2) as query
    ), matches as (
      select c.document_id, c.ordinal, c.page, c.text, ts_rank_cd(c.tsv, q.query) as rank,
             row_number() over (partition by c.document_id order by ts_rank_cd(c.tsv, q.query) desc, c.ordinal) as position
        from document_chunks c
        join documents d on d.id = c.document_id and d.tenant = $1 and d.status = 'completed'
        cross join q
       where c.tsv @@ q.query
    ), page as (
      select m.document_id, max(m.rank) as rank
        from matches m group by m.document_id
       order by max(m.rank) desc, m.document_id
       limit $3 offset $4
    ), hits as (
      select p.document_id, p.rank, d.filename, d.metadata->>'title' as title,
             json_agg(json_build_object(
               'ordinal', m.ordinal, 'page', m.page, 'rank', m.rank,
               'snippet', ts_headline('english', m.text, q.query,
                 'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || ', MaxWords=35, MinWords=15, MaxFragments=2')
             ) order by m.rank desc, m.ordinal) as hits
        from page p
        join documents d on d.id = p.document_id
        join matches m on m.document_id = p.document_id and m.position <= 3
        cross join q
       group by p.document_id, p.rank, d.filename, d.metadata
    )
    select (select count(distinct document_id) from matches)::int as total,
           coalesce((select json_agg(json_build_object(
             'documentId', h.document_id, 'filename', h.filename, 'title', h.title, 'rank', h.rank, 'hits', h.hits
           ) order by h.rank desc, h.document_id) from hits h), '[]') as results`,
  [tenant, query, options.limit, options.offset])
  return rows[0]
}
