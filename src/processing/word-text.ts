import { scanXml, xmlAttribute } from './xml-scanner.js'
import type { XmlHandler } from './xml-scanner.js'

/**
 * The text of WordprocessingML (a DOCX's document.xml, footnotes.xml, endnotes.xml), read in
 * one streaming pass. The layout follows what the service produced when it went through
 * mammoth's HTML and html-to-text, so passages and search read the same: paragraphs separated
 * by a blank line, list items on consecutive lines, a table's rows on lines with its cells
 * separated by tabs (a cell's own paragraphs joined by spaces), line breaks kept, runs of
 * spaces collapsed. Footnote and endnote references become `[n]`, numbered in the order they
 * appear; their text is added after the body by the caller.
 *
 * Left out, as mammoth left them out: deleted and moved-away text, field instructions, the
 * alternative rendering of content that has a fallback (`mc:Choice`, which would repeat a text
 * box), run properties and tab stops (`w:tabs`, whose `w:tab` elements are not tabs). Unlike
 * mammoth, list items get no bullet or number: that needs numbering.xml and adds nothing to
 * search.
 */

/** Breaks between pieces of text, weakest first; the strongest asked for wins. */
type Break = '' | ' ' | '\n' | '\n\n'
const strength: Record<Break, number> = { '': 0, ' ': 1, '\n': 2, '\n\n': 3 }

/** Subtrees whose text is not the document's text. */
const skipped = new Set(['w:del', 'w:moveFrom', 'w:delText', 'w:instrText', 'w:tabs', 'w:rPr', 'mc:Choice'])

/** Where text goes: the body (or one note), or a table cell, where every break is a space. */
class Target {
  readonly parts: string[] = []
  pending: Break = ''
  constructor (readonly inCell: boolean) {}

  write (text: string): void {
    if (text === '') return
    if (this.pending !== '' && this.parts.length > 0) this.parts.push(this.pending)
    this.pending = ''
    this.parts.push(text)
  }

  breakWith (kind: Break): void {
    const wanted = this.inCell && kind !== '' ? ' ' : kind
    if (strength[wanted] > strength[this.pending]) this.pending = wanted
  }

  text (): string {
    return this.parts.join('')
  }
}

interface Table {
  rows: string[]
  cells: string[]
}

/** A note reference met in the body: its kind, its id in the notes part and its number. */
export interface NoteReference {
  kind: 'footnote' | 'endnote'
  id: string
  number: number
}

/** Collects the text of one stream of WordprocessingML (a body or one note). */
class WordTextBuilder {
  readonly references: NoteReference[] = []
  readonly #targets: Target[] = [new Target(false)]
  readonly #tables: Table[] = []
  #skipDepth = 0
  #inText = false
  #paragraphIsList = false
  #paragraphOpening = false
  #previousWasList = false

  get #target (): Target {
    return this.#targets[this.#targets.length - 1]
  }

  open (name: string, attributes: string, selfClosing: boolean): void {
    if (this.#skipDepth > 0) {
      if (!selfClosing) this.#skipDepth++
      return
    }
    if (skipped.has(name)) {
      if (!selfClosing) this.#skipDepth = 1
      return
    }
    switch (name) {
      case 'w:t':
        this.#inText = !selfClosing
        return
      case 'w:tab':
        this.#write(' ')
        return
      case 'w:br':
      case 'w:cr':
        this.#write('\n')
        return
      case 'w:noBreakHyphen':
        this.#write('-')
        return
      case 'w:p':
        this.#paragraphIsList = false
        this.#paragraphOpening = true
        if (selfClosing) this.#endParagraph()
        return
      case 'w:numPr':
        this.#paragraphIsList = true
        return
      case 'w:tbl':
        this.#target.breakWith('\n\n')
        this.#previousWasList = false
        this.#tables.push({ rows: [], cells: [] })
        return
      case 'w:tc':
        this.#targets.push(new Target(true))
        if (selfClosing) this.#endCell()
        return
      case 'w:footnoteReference':
      case 'w:endnoteReference':
        this.#noteReference(name === 'w:footnoteReference' ? 'footnote' : 'endnote', attributes)
    }
  }

  close (name: string): void {
    if (this.#skipDepth > 0) {
      this.#skipDepth--
      return
    }
    switch (name) {
      case 'w:t':
        this.#inText = false
        return
      case 'w:p':
        this.#endParagraph()
        return
      case 'w:tc':
        this.#endCell()
        return
      case 'w:tr':
        this.#endRow()
        return
      case 'w:tbl':
        this.#endTable()
    }
  }

  text (text: string): void {
    if (this.#inText && this.#skipDepth === 0) this.#write(text)
  }

  /** The collected text, runs of spaces collapsed and lines trimmed. */
  result (): string {
    return this.#targets[0].text().replace(/ {2,}/g, ' ').replace(/ *\n */g, '\n').trim()
  }

  /**
   * Writes content, first opening the paragraph it starts (if any). The break before a
   * paragraph is decided here, at its first content, because only its properties, which come
   * first, say whether it is a list item: consecutive list items share a line break, any other
   * paragraph gets a blank line.
   */
  #write (text: string): void {
    if (text === '') return
    if (this.#paragraphOpening) {
      this.#paragraphOpening = false
      this.#target.breakWith(this.#previousWasList && this.#paragraphIsList ? '\n' : '\n\n')
    }
    this.#target.write(text)
  }

  #endParagraph (): void {
    this.#paragraphOpening = false
    this.#previousWasList = this.#paragraphIsList
    this.#target.breakWith(this.#paragraphIsList ? '\n' : '\n\n')
  }

  #endCell (): void {
    if (this.#targets.length === 1) return
    const cell = this.#targets.pop() as Target
    this.#tables.at(-1)?.cells.push(cell.text().replace(/\s*\n\s*/g, ' ').trim())
  }

  #endRow (): void {
    const table = this.#tables.at(-1)
    if (table === undefined) return
    const line = table.cells.join('\t')
    if (line.trim() !== '') table.rows.push(line)
    table.cells = []
  }

  #endTable (): void {
    const table = this.#tables.pop()
    if (table === undefined) return
    this.#target.breakWith('\n\n')
    this.#target.write(table.rows.join('\n'))
    this.#target.breakWith('\n\n')
    this.#previousWasList = false
  }

  #noteReference (kind: NoteReference['kind'], attributes: string): void {
    const id = xmlAttribute(attributes, 'w:id')
    if (id === undefined) return
    const number = this.references.length + 1
    this.references.push({ kind, id, number })
    this.#write(`[${number}]`)
  }
}

/** The text of a body part and the note references met in it, in order. */
export function wordBodyText (xml: string): { text: string, references: NoteReference[] } {
  const builder = new WordTextBuilder()
  scanXml(xml, builder)
  return { text: builder.result(), references: builder.references }
}

/** The text of each note of a footnotes or endnotes part, by note id. */
export function wordNotesText (xml: string, kind: NoteReference['kind']): Map<string, string> {
  const element = `w:${kind}`
  const notes = new Map<string, string>()
  let note: { id: string, builder: WordTextBuilder } | null = null
  const handler: XmlHandler = {
    open: (name, attributes, selfClosing) => {
      if (name === element) {
        const id = xmlAttribute(attributes, 'w:id')
        note = id === undefined || selfClosing ? null : { id, builder: new WordTextBuilder() }
      } else {
        note?.builder.open(name, attributes, selfClosing)
      }
    },
    close: (name) => {
      if (note === null) return
      if (name !== element) {
        note.builder.close(name)
        return
      }
      notes.set(note.id, note.builder.result())
      note = null
    },
    text: (text) => { note?.builder.text(text) }
  }
  scanXml(xml, handler)
  return notes
}
