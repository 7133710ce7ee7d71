import t from 'tap'
import iconv from 'iconv-lite'
import { detectType } from '../../src/processing/index.js'
import { readCorpusFile, readManifest } from '../helpers/corpus.js'
import '../helpers/leak-check.js'

t.test('corpus files are detected by their bytes', async (t) => {
  const truth: Record<string, string> = {
    'tika_droste.zip': 'application/zip',
    'poi_poc-xmlbomb.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'poi_bug53475-password-is-pass.docx': 'application/x-cfb'
  }
  for (const entry of readManifest()) {
    t.equal(await detectType(readCorpusFile(entry.file)), truth[entry.file] ?? entry.mediaType, entry.file)
  }
})

t.test('binary formats by magic bytes', async (t) => {
  t.equal(await detectType(Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')), 'image/png')
  t.equal(await detectType(Buffer.concat([Buffer.from('7f454c46020101000000000000000000', 'hex'), Buffer.alloc(64)])), 'application/x-elf')
  t.equal(await detectType(Buffer.from('1f8b0800000000000003', 'hex')), 'application/gzip')
  t.equal(await detectType(Buffer.concat([Buffer.alloc(300, 0x20), Buffer.from('%PDF-1.4\n')])), 'application/pdf', 'junk before the header')
})

t.test('text: UTF-16 with BOM is not mistaken for audio; random bytes are binary', async (t) => {
  t.equal(await detectType(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('plain words', 'utf16le')])), 'text/plain')
  const random = Buffer.alloc(4096)
  let seed = 7
  for (let i = 0; i < random.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    random[i] = seed >>> 16 & 0xff
  }
  t.equal(await detectType(random), 'application/octet-stream')
  t.equal(await detectType(Buffer.alloc(0)), 'text/plain')
  t.equal(await detectType(iconv.encode('Ceci est un texte très ordinaire, écrit en français.', 'windows-1252')), 'text/plain')
})

t.test('HTML and Markdown sniffing; the extension only tips text', async (t) => {
  t.equal(await detectType(Buffer.from('<!doctype html><title>x</title>')), 'text/html')
  t.equal(await detectType(Buffer.from('\n  <html lang="en"><body>hi</body></html>')), 'text/html')
  t.equal(await detectType(Buffer.from('<div><p>One</p><p>Two</p><span>three</span></div>')), 'text/html')
  const markdown = Buffer.from('# Title\n\nSome text with a [link](https://example.com).\n\n- item one\n- item two\n')
  t.equal(await detectType(markdown), 'text/markdown')
  t.equal(await detectType(markdown, 'notes.txt'), 'text/plain', 'a .txt name needs much stronger evidence')
  const weak = Buffer.from('Just a sentence.\n\n- and one list item\n')
  t.equal(await detectType(weak), 'text/plain')
  t.equal(await detectType(weak, 'README.md'), 'text/markdown')
  t.equal(await detectType(Buffer.from('---\ntitle: Hello\n---\n\nBody text.\n')), 'text/markdown', 'front matter')
  t.equal(await detectType(Buffer.from('<p align="center"><img src="logo.png"></p>\n\n# Project\n\nIt does [things](https://x.y).\n\n```js\ncode()\n```\n')),
    'text/markdown', 'Markdown that opens with raw HTML')
  t.equal(await detectType(Buffer.from('plain words'), 'photo.png'), 'text/plain', 'a binary extension does not make text binary')
})

// Markdown sniffing skips its expressions when no line opens like a Markdown block and no inline
// mark occurs; constructs that show only at an indented or underlined line must still count.
t.test('Markdown constructs that open an indented or underlined line, or sit inside one', async (t) => {
  const blocks = Buffer.from('Plain opening words\n=====\n\n   > quoted after three spaces\n\n  | a | b |\n  |---|---|\n')
  t.equal(await detectType(blocks), 'text/markdown', 'setext heading, indented quote and table')
  const inline = Buffer.from('Words with `code`, a [link](https://example.com) and **strong** words.\n')
  t.equal(await detectType(inline), 'text/markdown', 'inline code, link and emphasis')
  const prose = Buffer.from('Every line here is prose.\nNone opens with a mark, and none has one inside.\n')
  t.equal(await detectType(prose, 'notes.md'), 'text/plain', 'prose stays plain text, even named .md')
})
