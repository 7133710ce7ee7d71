import { chunkDocument } from './chunk-text.js'
import { detectType } from './detect-type.js'
import { cleanMetadataValue, countWords, detectLanguage } from './document-metadata.js'
import type { Extraction, ExtractionContext, Extractor } from './extraction.js'
import { extractHtml } from './extract-html.js'
import { extractMarkdown } from './extract-markdown.js'
import { extractText } from './extract-text.js'
import { formatCount, limitExceeded } from './limits.js'
import { mediaTypes } from './media-types.js'
import { normalizeText } from './normalize-text.js'
import { ProcessingError } from './processing-error.js'
import type { DocumentInput, DocumentMetadata, ProcessedDocument, ProcessingLimits } from './types.js'

/** The heavy parsers load on first use (and when an extraction process warms up), not at import. */
const loadPdf = async (): Promise<Extractor> => (await import('./extract-pdf.js')).extractPdf
const loadDocx = async (): Promise<Extractor> => (await import('./extract-docx.js')).extractDocx

/** Loads the parsers ahead of the first job so a job's time limit is not spent on imports. */
export async function warmUpExtractors (): Promise<void> {
  await Promise.all([loadPdf(), loadDocx()])
}

const docxHint = /\.docx$/i

/** Picks the format module, or fails permanently for what the processor does not read. */
async function extractorFor (detectedType: string, input: DocumentInput): Promise<Extractor> {
  switch (detectedType) {
    case mediaTypes.pdf: return await loadPdf()
    case mediaTypes.docx: return await loadDocx()
    case mediaTypes.html: return extractHtml
    case mediaTypes.markdown: return extractMarkdown
    case mediaTypes.text: return extractText
    case mediaTypes.cfb: {
      // Word saves a password-protected DOCX as an OLE2 container holding the encrypted
      // package; other OLE2 files are legacy binary Office formats we do not read.
      if (input.bytes.includes(Buffer.from('EncryptedPackage', 'utf16le'))) {
        const claimsDocx = docxHint.test(input.filename) || input.declaredType === mediaTypes.docx
        throw new ProcessingError('encrypted',
          `${claimsDocx ? 'DOCX' : 'Office document'} is password-protected (OLE2 container)`)
      }
      throw new ProcessingError('unsupported_type', `unsupported media type ${detectedType} (legacy OLE2 Office file)`)
    }
    default:
      throw new ProcessingError('unsupported_type', `unsupported media type ${detectedType}`)
  }
}

/**
 * The whole pipeline for one document, run inside an extraction process (or in the worker for
 * small text, see in-process-extraction.ts): detect the type from the bytes (unless the caller
 * just did), extract with the format's module, normalise, enforce the character limit, compute
 * metadata and chunks.
 */
export async function processDocument (input: DocumentInput, limits: ProcessingLimits, knownType?: string): Promise<ProcessedDocument> {
  const detectedType = knownType ?? await detectType(input.bytes, input.filename)
  const extractor = await extractorFor(detectedType, input)
  const context: ExtractionContext = { limits, filename: input.filename, declaredType: input.declaredType }
  const extraction: Extraction = await extractor(input.bytes, context)

  const pages = extraction.pages?.map(normalizeText) ?? null
  const text = pages === null ? normalizeText(extraction.text) : pages.filter((page) => page !== '').join('\n\n')
  if (text.length > limits.maxCharacters) {
    throw limitExceeded(limits, 'maxCharacters', `the extracted text has ${formatCount(text.length)} characters`)
  }
  const words = countWords(text)
  const metadata: DocumentMetadata = {
    words,
    characters: text.length,
    pages: pages === null ? null : pages.length,
    title: cleanMetadataValue(extraction.title),
    author: cleanMetadataValue(extraction.author),
    language: detectLanguage(text),
    detectedType,
    needsOcr: pages !== null && pages.length > 0 && words === 0
  }
  if (extraction.encoding !== undefined) metadata.encoding = extraction.encoding
  if (extraction.frontMatter !== undefined) metadata.frontMatter = extraction.frontMatter
  return { detectedType, text, metadata, chunks: chunkDocument(text, pages) }
}
