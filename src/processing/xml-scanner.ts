/**
 * A small streaming scanner for the XML of Office parts: it reports tags and text in document
 * order and builds no tree, so reading a part costs about its own size in memory. It knows
 * elements, attributes, text, comments, CDATA and processing instructions; it does not check
 * that tags nest or expand any entity beyond XML's own five and character references (a part
 * reaches it with its DTD removed, see extract-docx.ts).
 */

export interface XmlHandler {
  /** An element starts; `attributes` is its raw attribute text, read with `xmlAttribute`. */
  open: (name: string, attributes: string, selfClosing: boolean) => void
  close: (name: string) => void
  /** Character data between tags, entities already decoded. */
  text: (text: string) => void
}

/** Thrown for markup the scanner cannot read; the message says where. */
export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError'
}

const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y
const entity = /&(?:#(\d+)|#x([0-9A-Fa-f]+)|(amp|lt|gt|quot|apos));/g
const namedEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** Decodes XML's five named entities and character references; others stay as written. */
export function decodeXmlText (text: string): string {
  if (!text.includes('&')) return text
  return text.replace(entity, (match, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return namedEntities[name] ?? match
    const code = dec !== undefined ? Number(dec) : parseInt(hex ?? '', 16)
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ''
  })
}

const attributePatterns = new Map<string, RegExp>()

/** The decoded value of attribute `name` in an element's raw attribute text, or undefined. */
export function xmlAttribute (attributes: string, name: string): string | undefined {
  let pattern = attributePatterns.get(name)
  if (pattern === undefined) {
    pattern = new RegExp(`(?:^|\\s)${name.replace(/[.]/g, '\\.')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`)
    attributePatterns.set(name, pattern)
  }
  const match = pattern.exec(attributes)
  if (match === null) return undefined
  return decodeXmlText(match[1] ?? match[2] ?? '')
}

/** The index just past `terminator` from `from`, or a syntax error naming `what`. */
function skipPast (xml: string, from: number, terminator: string, what: string): number {
  const end = xml.indexOf(terminator, from)
  if (end === -1) throw new XmlSyntaxError(`unterminated ${what} at offset ${from}`)
  return end + terminator.length
}

/** Reports every tag and every run of text of `xml` to `handler`, in order. */
export function scanXml (xml: string, handler: XmlHandler): void {
  let at = 0
  while (at < xml.length) {
    const lt = xml.indexOf('<', at)
    if (lt === -1) {
      handler.text(decodeXmlText(xml.slice(at)))
      return
    }
    if (lt > at) handler.text(decodeXmlText(xml.slice(at, lt)))
    if (xml.startsWith('<!--', lt)) {
      at = skipPast(xml, lt + 4, '-->', 'comment')
    } else if (xml.startsWith('<![CDATA[', lt)) {
      at = skipPast(xml, lt + 9, ']]>', 'CDATA section')
      handler.text(xml.slice(lt + 9, at - 3))
    } else if (xml.startsWith('<?', lt)) {
      at = skipPast(xml, lt + 2, '?>', 'processing instruction')
    } else if (xml.startsWith('<!', lt)) {
      // A DOCTYPE that survived the caller's removal (too large to remove safely).
      throw new XmlSyntaxError(`unexpected declaration at offset ${lt}`)
    } else {
      tag.lastIndex = lt
      const match = tag.exec(xml)
      if (match === null) throw new XmlSyntaxError(`malformed tag at offset ${lt}`)
      const [whole, slash, name, attributes, selfClosing] = match
      if (slash === '/') handler.close(name)
      else handler.open(name, attributes, selfClosing === '/')
      at = lt + whole.length
    }
  }
}
