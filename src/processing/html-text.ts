import { compile } from 'html-to-text'
import type { FormatCallback, HtmlToTextOptions, SelectorDefinition } from 'html-to-text'

type TableRows = Array<Array<{ text: string }>>

/**
 * Tables become one line per row with cells separated by a tab: readable, and a cell's
 * words stay together instead of being wrapped into aligned columns.
 */
const formatTable: FormatCallback = (elem, walk, builder) => {
  builder.openTable()
  const walkRows = (node: typeof elem): void => {
    for (const child of node.children ?? []) {
      if (child.type !== 'tag') continue
      if (child.name === 'thead' || child.name === 'tbody' || child.name === 'tfoot') {
        walkRows(child)
      } else if (child.name === 'tr') {
        builder.openTableRow()
        for (const cell of child.children ?? []) {
          if (cell.type !== 'tag' || (cell.name !== 'td' && cell.name !== 'th')) continue
          builder.openTableCell()
          walk(cell.children, builder)
          builder.closeTableCell()
        }
        builder.closeTableRow()
      }
    }
  }
  walkRows(elem)
  builder.closeTable({
    tableToString: (rows: TableRows) => rows
      .map((cells) => cells.map((cell) => cell.text.replace(/\s*\n\s*/g, ' ').trim()).join('\t'))
      .filter((line) => line.trim() !== '')
      .join('\n'),
    leadingLineBreaks: 2,
    trailingLineBreaks: 2
  })
}

const hiddenElements = ['head', 'script', 'style', 'noscript', 'template', 'svg', 'canvas', 'iframe',
  'object', 'embed', 'audio', 'video', 'map', 'select', 'datalist', 'dialog']

const baseSelectors: SelectorDefinition[] = [
  ...hiddenElements.map((selector) => ({ selector, format: 'skip' })),
  { selector: 'img', format: 'skip' },
  { selector: 'a', options: { ignoreHref: true } },
  { selector: 'table', format: 'plainTable' },
  { selector: 'ul', options: { itemPrefix: ' • ' } },
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }))
]

function optionsWith (extra: SelectorDefinition[]): HtmlToTextOptions {
  return {
    wordwrap: false,
    preserveNewlines: false,
    decodeEntities: true,
    // The default silently truncates at 16 M characters; the extracted-text limit applies
    // after conversion instead.
    limits: { maxInputLength: Number.MAX_SAFE_INTEGER, ellipsis: '' },
    formatters: { plainTable: formatTable },
    selectors: [...baseSelectors, ...extra]
  }
}

// Compiled once: html-to-text builds its selector decision tree per options object.
const convertDocument = compile(optionsWith([{ selector: 'body', format: 'block' }]))

const convertFragment = compile({ wordwrap: false, selectors: baseSelectors })

/** Visible text of an HTML document, block structure kept as line breaks. */
export function htmlToText (html: string): string {
  return convertDocument(html)
}

/** Decodes entities and drops tags in a short fragment such as a title. */
export function htmlFragmentToText (fragment: string): string {
  return convertFragment(fragment).replace(/\s+/g, ' ').trim()
}
