import { readFileSync } from 'node:fs'
import type { ProcessingErrorCode } from '../../src/processing/index.js'

/**
 * Real documents from other projects' test suites, carried with the repository so that a clone
 * runs its tests alone. Sources and licences: `test/fixtures/corpus/NOTICE.md`.
 */
export const corpusDir: URL = new URL('../fixtures/corpus/', import.meta.url)

/** One row of MANIFEST.tsv. */
export interface CorpusEntry {
  file: string
  bytes: number
  sha256: string
  mediaType: string
  sourceRepo: string
  sourcePath: string
  license: string
  special: string
  expected: string
}

/** Reads MANIFEST.tsv: UTF-8, tab-separated, no quoting, a header row. */
export function readManifest (): CorpusEntry[] {
  const lines = readFileSync(new URL('MANIFEST.tsv', corpusDir), 'utf8').split('\n').filter((line) => line.trim() !== '')
  return lines.slice(1).map((line) => {
    const [file, bytes, sha256, mediaType, sourceRepo, sourcePath, license, special, expected] = line.split('\t')
    if (file === undefined || bytes === undefined) throw new Error(`bad manifest line: ${line}`)
    return {
      file,
      bytes: Number(bytes),
      sha256: sha256 ?? '',
      mediaType: mediaType ?? '',
      sourceRepo: sourceRepo ?? '',
      sourcePath: sourcePath ?? '',
      license: license ?? '',
      special: special ?? '',
      expected: (expected ?? '').replace(/\r$/, '')
    }
  })
}

export function readCorpusFile (file: string): Buffer {
  return readFileSync(new URL(file, corpusDir))
}

/** The corpus README's rule: NFKC on both sides, whitespace runs collapsed, containment. */
export function normalizeForMatch (text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim()
}

export function containsExpected (text: string, expected: string): boolean {
  return normalizeForMatch(text).includes(normalizeForMatch(expected))
}

/**
 * The outcome each corpus file must reach, taken from its `special` column. Files not listed
 * here must complete with their `expected` snippet; a file added to the manifest without an
 * `expected` snippet and without an entry here fails the corpus tests until someone decides.
 */
export const expectedFailures: Record<string, { code: ProcessingErrorCode, message: RegExp }> = {
  'pdfjs_issue6010_1.pdf': { code: 'encrypted', message: /^PDF is encrypted with a password$/ },
  'pdfjs_bug1020226.pdf': { code: 'corrupt', message: /^corrupt PDF: / },
  'pdfjs_REDHAT-1531897-0.pdf': { code: 'corrupt', message: /^corrupt PDF: / },
  'tika_testWORD_truncated.docx': { code: 'corrupt', message: /^corrupt DOCX: .*central directory/ },
  'poi_bug53475-password-is-pass.docx': { code: 'encrypted', message: /^DOCX is password-protected \(OLE2 container\)$/ },
  'tika_droste.zip': { code: 'unsupported_type', message: /^unsupported media type application\/zip$/ },
  'poi_poc-xmlbomb.xlsx': { code: 'unsupported_type', message: /^unsupported media type application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet$/ }
}

/** Scans: pages but no text layer. */
export const scans = new Set(['tika_testOCR.pdf', 'pdfjs_issue7200.pdf'])

/** Complete without an expected snippet; their tests assert what is special about them. */
export const specialCompletions = new Set(['pdfjs_poppler-85140-0.pdf', 'poi_ExternalEntityInText.docx'])
