import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/** The shared corpus; CORPUS_DIR overrides the checkout-relative default. */
export const corpusDir: URL = process.env.CORPUS_DIR !== undefined && process.env.CORPUS_DIR !== ''
  ? pathToFileURL(process.env.CORPUS_DIR.endsWith('/') ? process.env.CORPUS_DIR : `${process.env.CORPUS_DIR}/`)
  : new URL('../../../shared/corpus/', import.meta.url)

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
