/**
 * How a simple app cuts a text into passages for search: whole paragraphs packed up to
 * `maxCharacters`, a paragraph longer than that cut at the limit. No sentence segmentation, no
 * language rules: the naive worker's share of the work docqueue's chunker does.
 */
export function naivePassages (text: string, maxCharacters = 1500): string[] {
  const passages: string[] = []
  let current = ''
  for (const raw of text.split(/\n\s*\n/)) {
    const paragraph = raw.trim()
    if (paragraph === '') continue
    if (current !== '' && current.length + 2 + paragraph.length > maxCharacters) {
      passages.push(current)
      current = ''
    }
    for (let from = 0; from < paragraph.length; from += maxCharacters) {
      const piece = paragraph.slice(from, from + maxCharacters)
      if (current === '') current = piece
      else current += '\n\n' + piece
      if (current.length >= maxCharacters) {
        passages.push(current)
        current = ''
      }
    }
  }
  if (current !== '') passages.push(current)
  return passages
}
