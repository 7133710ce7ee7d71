import { decodeText } from './decode-text.js'
import type { Extractor } from './extraction.js'

/** Plain text: decoded with its BOM, as UTF-8 when valid, else with the detected legacy charset. */
export const extractText: Extractor = async (bytes) => {
  const { text, encoding } = decodeText(bytes)
  return { text, encoding, title: null, author: null }
}
