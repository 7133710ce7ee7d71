import { createRequire } from 'node:module'
import path from 'node:path'
// unpdf's bundle of pdf.js, called directly: its getDocumentProxy wrapper resolves the
// pdfjs-dist package anew on every call (a module-loader round trip), for defaults we override.
import { getDocument } from 'unpdf/pdfjs'
import type { Extractor } from './extraction.js'
import { formatCount, limitExceeded } from './limits.js'
import { ProcessingError } from './processing-error.js'

/**
 * pdf.js needs its CMaps for CJK and vertical text and its standard font data for the base
 * 14 fonts. Both ship inside the installed pdfjs-dist package; pdf.js reads them with fs
 * when given filesystem paths (ending in a slash), so nothing is ever fetched over a network.
 */
const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'))
const cMapUrl = path.join(pdfjsRoot, 'cmaps') + path.sep
const standardFontDataUrl = path.join(pdfjsRoot, 'standard_fonts') + path.sep

/** pdf.js VerbosityLevel.ERRORS: hostile files trigger thousands of warnings otherwise. */
const errorsOnly = 0

type PdfDocument = Awaited<ReturnType<typeof getDocument>['promise']>
interface TextItemLike { str?: unknown, hasEOL?: unknown }

function corrupt (err: unknown): ProcessingError {
  const message = err instanceof Error ? err.message : String(err)
  return new ProcessingError('corrupt', `corrupt PDF: ${message}`, { cause: err })
}

async function openPdf (bytes: Buffer): Promise<PdfDocument> {
  try {
    // pdf.js transfers (detaches) the buffer it is given, so it gets a copy of its own.
    return await getDocument({
      data: new Uint8Array(bytes),
      cMapUrl,
      cMapPacked: true,
      standardFontDataUrl,
      // Nothing from a document runs as code, loads a system font or fetches anything.
      isEvalSupported: false,
      useSystemFonts: false,
      disableFontFace: true,
      enableXfa: false,
      disableAutoFetch: true,
      disableStream: true,
      isOffscreenCanvasSupported: false,
      stopAtErrors: false,
      verbosity: errorsOnly
    }).promise
  } catch (err) {
    if ((err as Error)?.name === 'PasswordException') {
      throw new ProcessingError('encrypted', 'PDF is encrypted with a password', { cause: err })
    }
    throw corrupt(err)
  }
}

/** Joins a page's text items; pdf.js marks line ends, and inserts spaces as items itself. */
function pageText (items: readonly unknown[]): string {
  let text = ''
  for (const item of items as TextItemLike[]) {
    if (typeof item.str !== 'string') continue
    text += item.str
    if (item.hasEOL === true) text += '\n'
  }
  return text
}

function metadataString (value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null
}

/**
 * PDF: text per page through pdf.js (text layer only, no image is decoded or rendered), the
 * page count as pdf.js sees it (never the /Count a file claims), title and author from the
 * info dictionary or XMP. A page pdf.js cannot read is kept empty as long as some page is
 * readable; a document with no readable page is corrupt.
 */
export const extractPdf: Extractor = async (bytes, { limits }) => {
  const pdf = await openPdf(bytes)
  try {
    if (pdf.numPages > limits.maxPages) {
      throw limitExceeded(limits, 'maxPages', `the PDF has ${formatCount(pdf.numPages)} pages`)
    }
    const pages: string[] = []
    let failures = 0
    let firstFailure: unknown = null
    let characters = 0
    for (let number = 1; number <= pdf.numPages; number++) {
      try {
        const page = await pdf.getPage(number)
        const content = await page.getTextContent()
        const text = pageText(content.items)
        page.cleanup()
        pages.push(text)
        characters += text.length
      } catch (err) {
        failures++
        firstFailure ??= err
        pages.push('')
      }
      // Normalisation shrinks text by far less than half, so twice the limit is over for sure
      // and there is no point reading the rest.
      if (characters > limits.maxCharacters * 2) {
        throw limitExceeded(limits, 'maxCharacters', `the extracted text has over ${formatCount(characters)} characters`)
      }
    }
    if (pdf.numPages > 0 && failures === pdf.numPages) throw corrupt(firstFailure)
    let title: string | null = null
    let author: string | null = null
    try {
      const { info, metadata } = await pdf.getMetadata() as unknown as { info: Record<string, unknown>, metadata: { get: (name: string) => unknown } | null }
      title = metadataString(info.Title) ?? metadataString(metadata?.get('dc:title'))
      author = metadataString(info.Author) ?? metadataString(metadata?.get('dc:creator'))
    } catch {
      // Broken metadata does not make the text less useful.
    }
    return { text: pages.join('\n\n'), pages, title, author }
  } finally {
    await pdf.destroy()
  }
}
