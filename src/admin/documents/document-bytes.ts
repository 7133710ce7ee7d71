import type { Queryable } from '../../db/pool.js'

/** A document's original bytes with its name and detected type, if it is one of `tenants` (null: any tenant). */
export async function findDocumentBytes (db: Queryable, id: string, tenants: string[] | null): Promise<{ filename: string, mediaType: string, bytes: Buffer } | undefined> {
  const { rows } = await db.query<{ filename: string, mediaType: string, bytes: Buffer }>(`
    select d.filename, d.media_type as "mediaType", b.bytes
      from documents d join document_blobs b on b.document_id = d.id
     where d.id = $1 and ($2::text[] is null or d.tenant = any($2::text[]))`,
  [id, tenants])
  return rows[0]
}
