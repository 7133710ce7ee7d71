/** The bytes of one uploaded document and what the client claimed about it. */
export interface DocumentInput {
  bytes: Buffer
  filename: string
  /** The client's Content-Type; a hint only, never trusted for the decision. */
  declaredType: string | null
}

/** Ceilings applied to one processing job. */
export interface ProcessingLimits {
  /** Hard wall-clock limit per job (PROCESSING_TIMEOUT_MS); the extraction process is killed after it. */
  timeoutMs: number
  /**
   * Memory of one extraction process, in MB (PROCESSING_MAX_MEMORY_MB): its V8 heap ceiling,
   * and on Linux the ceiling of its private resident memory (heap, Buffers, wasm, native).
   */
  maxMemoryMb: number
  maxPages: number
  /** Characters of extracted text, after normalisation. */
  maxCharacters: number
  /** Entries in a DOCX archive. */
  maxZipEntries: number
  /** Uncompressed size of one XML part of a DOCX archive, in bytes. */
  maxPartBytes: number
  /** Uncompressed size of all the XML parts of a DOCX archive together, in bytes. */
  maxUncompressedBytes: number
}

export interface DocumentMetadata {
  words: number
  characters: number
  pages: number | null
  title: string | null
  author: string | null
  /** ISO 639-3 code from franc-min; null when the text is too short or undetermined. */
  language: string | null
  detectedType: string
  /** True for a PDF that has pages but no text layer (scans). */
  needsOcr: boolean
  /** Charset the text formats were decoded from. */
  encoding?: string | null
  /** Markdown front matter, when present. */
  frontMatter?: Record<string, string>
}

export interface TextChunk {
  ordinal: number
  /** 1-based page for PDFs, null for formats without pages. */
  page: number | null
  text: string
}

export interface ProcessedDocument {
  detectedType: string
  text: string
  metadata: DocumentMetadata
  chunks: TextChunk[]
}

export type ProcessingErrorCode =
  | 'unsupported_type'
  | 'corrupt'
  | 'encrypted'
  | 'limit_exceeded'
  | 'timeout'
  | 'internal'

export interface DocumentProcessor {
  /** Detects, extracts, normalises and chunks one document off the caller's event loop. */
  process (input: DocumentInput): Promise<ProcessedDocument>
  /** Starts the extraction processes ahead of the first document (they start lazily otherwise). */
  warmUp (): void
  /** Ends the extraction processes; later `process` calls are rejected. */
  close (): Promise<void>
}
