import t from 'tap'
import { sectionsNotIn } from '../../bench/results-file.js'

// bench/results.md is written by several benchmarks and by hand: a rerun of one must keep the others' sections.
const previous = [
  '# docqueue benchmark, yesterday', 'old upload table',
  '## Extraction over the corpus', 'old extraction',
  '## Measured by hand', 'a table someone wrote',
  '## CPU profiles', 'an old profile',
  '## Scale', 'reads at scale', ''
].join('\n')
const current = ['# docqueue benchmark, today', 'new upload table', '## Extraction over the corpus', 'new extraction', ''].join('\n')

t.test('a rerun keeps the sections it does not write, in their order, and drops its own old ones', async (t) => {
  t.equal(sectionsNotIn(previous, current, ['CPU profiles']), '\n## Measured by hand\na table someone wrote\n## Scale\nreads at scale\n')
  t.match(sectionsNotIn(previous, current), /## CPU profiles\nan old profile/, 'a section is dropped only when owned')
  t.equal(sectionsNotIn('', current), '', 'nothing before the first run')
})
