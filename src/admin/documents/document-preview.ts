import type { Queryable } from '../../db/pool.js'

export interface DocumentPreviewRow {
  /** The first characters of the extracted text; null before the first result. */
  text: string | null
  truncated: boolean
  passages: Array<{ ordinal: number, page: number | null, text: string }>
  morePassages: boolean
}

/**
 * The start of a document's extracted text and its first passages, each cut to a length: Postgres
 * sends only what the page shows, however long the document.
 */
export async function loadDocumentPreview (db: Queryable, documentId: string, limits: { textChars: number, passages: number, passageChars: number }): Promise<DocumentPreviewRow> {
  const { rows } = await db.query<DocumentPreviewRow>(`
    select left(d.text, $2) as text, coalesce(length(d.text) > $2, false) as truncated,
           coalesce((select json_agg(json_build_object('ordinal', c.ordinal, 'page', c.page, 'text', left(c.text, $4)) order by c.ordinal)
                       from (select * from document_chunks where document_id = d.id order by ordinal limit $3) c), '[]') as passages,
           exists (select 1 from document_chunks where document_id = d.id and ordinal >= $3) as "morePassages"
      from documents d where d.id = $1`,
  [documentId, limits.textChars, limits.passages, limits.passageChars])
  return rows[0] ?? { text: null, truncated: false, passages: [], morePassages: false }
}
