import type { ProcessingLimits } from './types.js'

/** What an extractor receives besides the bytes. */
export interface ExtractionContext {
  limits: ProcessingLimits
  filename: string
  declaredType: string | null
}

/**
 * What every format module returns: raw text (normalised later, in one place) and the
 * metadata the format knows. PDFs also return one text per page so chunks keep their page.
 */
export interface Extraction {
  text: string
  pages?: string[]
  title?: string | null
  author?: string | null
  encoding?: string | null
  frontMatter?: Record<string, string>
}

export type Extractor = (bytes: Buffer, context: ExtractionContext) => Promise<Extraction>
