import { randomUUID } from 'node:crypto'
import { replaceChunks } from '../../src/db/chunks.js'
import { withTransaction, type Pool } from '../../src/db/pool.js'
import { insertDocumentsWithItems } from '../../src/queue/sql/enqueue-documents.js'

/** How many distinct passage sets the loaded documents share (document n takes set n mod this). */
export const TEMPLATE_COUNT = 64
/** Passages per set; a document takes the first one or two. */
export const TEMPLATE_PASSAGES = 2
/** In every passage set: a search that matches every passage of the database. */
export const COMMON_TERM = 'quarterly'
/** In no passage set: only the few documents given {@link rarePassage} match it. */
export const RARE_TERM = 'zanzibarite'

const WORDS = ('report budget revenue customer contract invoice shipment warehouse supplier audit forecast margin ' +
  'pipeline renewal storage network latency outage incident review meeting summary policy claim account ledger ' +
  'payment refund partner region market product release roadmap hiring training safety compliance risk').split(' ')

/** A short passage (about 200 characters) of set `template`, passage `ordinal`, deterministic. */
function passageText (template: number, ordinal: number): string {
  const words = Array.from({ length: 28 }, (_, i) => WORDS[(template * 7 + ordinal * 13 + i * i * 3 + i) % WORDS.length])
  return `The ${COMMON_TERM} ${words.slice(0, 14).join(' ')}. ${words.slice(14).join(' ')} for set ${template}.`
}

export function templateTitle (template: number): string {
  return `${WORDS[template % WORDS.length]} ${WORDS[(template * 5 + 3) % WORDS.length]} notes`
}

/** The passage that makes a document match {@link RARE_TERM}. */
export function rarePassage (n: number): { title: string, text: string } {
  return { title: `Survey ${n}`, text: `Field survey ${n}: samples of ${RARE_TERM} found near the ${COMMON_TERM} site.` }
}

/**
 * Creates `bench_passages` (set, ordinal, page, text, tsv) through the service's own passage
 * writer (replaceChunks) on a scratch document, so the loaded passages carry exactly the
 * tsvectors the workers would compute, whatever that computation becomes. The scratch document
 * is deleted again (its counting triggers run both ways).
 */
export async function createPassageTemplates (pool: Pool): Promise<void> {
  await pool.query(`create table bench_passages (template int, ordinal int, page int, text text, tsv tsvector, title text,
                    primary key (template, ordinal))`)
  const id = randomUUID()
  await withTransaction(pool, async (tx) => {
    await insertDocumentsWithItems(tx, [{
      id,
      itemId: randomUUID(),
      tenant: 'bench-scratch',
      filename: 'templates.txt',
      declaredType: 'text/plain',
      mediaType: 'text/plain',
      size: 1,
      sha256: '0'.repeat(64),
      priority: 2,
      maxAttempts: 5,
      idempotencyKey: null
    }])
    for (let template = 0; template < TEMPLATE_COUNT; template++) {
      const chunks = Array.from({ length: TEMPLATE_PASSAGES }, (_, ordinal) => ({ ordinal, page: null, text: passageText(template, ordinal) }))
      await replaceChunks(tx, id, templateTitle(template), 'english', chunks)
      await tx.query('insert into bench_passages select $2, ordinal, page, text, tsv, $3 from document_chunks where document_id = $1',
        [id, template, templateTitle(template)])
    }
    await tx.query('delete from documents where id = $1', [id])
  })
}

/** Gives the documents `ids` a passage with the rare term, through the service's passage writer. */
export async function addRarePassages (pool: Pool, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    const { title, text } = rarePassage(i)
    await withTransaction(pool, async (tx) => { await replaceChunks(tx, id, title, 'english', [{ ordinal: 0, page: null, text }]) })
  }
}
