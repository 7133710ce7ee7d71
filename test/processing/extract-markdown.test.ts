import t from 'tap'
import { extractMarkdown } from '../../src/processing/extract-markdown.js'
import { defaultProcessingLimits } from '../../src/processing/index.js'
import '../helpers/leak-check.js'

async function markdown (source: string): Promise<Awaited<ReturnType<typeof extractMarkdown>>> {
  return await extractMarkdown(Buffer.from(source), { limits: defaultProcessingLimits, filename: 'a.md', declaredType: null })
}

t.test('YAML front matter: scalars, quoted values, lists, comments; an empty block', async (t) => {
  const result = await markdown('---\ntitle: "Quoted: yes"\ntags:\n  - a\n  - b\nauthor: Jane # a comment\n---\nBody.')
  t.same(result.frontMatter, { title: 'Quoted: yes', tags: 'a, b', author: 'Jane' })
  t.equal(result.title, 'Quoted: yes')
  t.equal(result.author, 'Jane')
  t.equal(result.text, 'Body.')
  const empty = await markdown('---\n---\n# Heading\n\nBody.')
  t.same(empty.frontMatter, {})
  t.equal(empty.title, 'Heading', 'the first heading is the title without a front-matter title')
  const toml = await markdown('+++\ntitle = "Toml"\n+++\n\nHello')
  t.same(toml.frontMatter, { title: 'Toml' })
  t.notOk('frontMatter' in await markdown('# No front matter'))
})

t.test('inline syntax goes, its text stays; code is verbatim', async (t) => {
  const result = await markdown('Text with `code **x**`, **bold**, *em*, ~~gone~~, snake_case_name, [a link](http://x.y "t") and ![alt text](i.png).')
  t.equal(result.text, 'Text with code **x**, bold, em, gone, snake_case_name, a link and alt text.')
  const fenced = await markdown('Intro\n\n```js\nconst a = `template ` + x // *not emphasis*\n```\n\nOutro')
  t.match(fenced.text, /const a = `template ` \+ x \/\/ \*not emphasis\*/)
  t.notMatch(fenced.text, /```/)
})

t.test('block syntax: headings, lists, quotes, tables, rules, reference links', async (t) => {
  const source = [
    'Title', '=====', '', '## Section ##', '', '- one', '* two', '1. three', '- [x] done', '',
    '> quoted **words**', '', '| a | b |', '|---|:-:|', '| 1 | 2 |', '', '***', '', 'See [the docs][ref].', '', '[ref]: https://example.com/docs'
  ].join('\n')
  const result = await markdown(source)
  t.equal(result.title, 'Title')
  t.equal(result.text, 'Title\n\n\nSection\n\none\ntwo\nthree\ndone\n\nquoted words\n\na\tb\n1\t2\n\n\n\nSee the docs.\n')
})

t.test('raw HTML: tags stripped (also across lines), script and style content dropped, entities decoded', async (t) => {
  const result = await markdown('<p align="center">\n  <img src="x.png"\n       alt="logo">\n</p>\n\n<div class="note">Fish &amp; chips</div>\n\n<script>alert(1)</script><style>p{}</style>End')
  t.equal(result.text.replace(/\s+/g, ' ').trim(), 'Fish & chips End')
})
