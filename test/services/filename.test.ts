import t from 'tap'
import { sanitizeFilename } from '../../src/services/filename.js'
import '../helpers/leak-check.js'

t.test('sanitizeFilename drops every invisible format character, not only the bidi overrides', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['U+061C arabic letter mark', 'report\u061Cfdp.exe', 'reportfdp.exe'],
    ['U+FEFF zero-width no-break space (BOM)', '\uFEFFinvoice.pdf', 'invoice.pdf'],
    ['U+200B zero-width space', 'pay\u200Bpal.pdf', 'paypal.pdf'],
    ['U+200C/U+200D zero-width (non-)joiners', 'a\u200Cb\u200Dc.txt', 'abc.txt'],
    ['U+202E right-to-left override', '\u202Egpj.exe', 'gpj.exe'],
    ['U+2066-2069 bidi isolates', '\u2066a\u2067b\u2068c\u2069.txt', 'abc.txt'],
    ['U+00AD soft hyphen', 'in\u00ADvoice.pdf', 'invoice.pdf'],
    ['U+2060 word joiner and U+2064 invisible plus', 'a\u2060b\u2064c.txt', 'abc.txt'],
    ['U+E0001 language tag (astral)', 'a\u{E0001}b.txt', 'ab.txt'],
    ['U+2028/U+2029 line and paragraph separators', 'a\u2028b\u2029c.txt', 'abc.txt'],
    ['C0 and C1 controls', 'a\u0000b\u001Bc\u0085d.txt', 'abcd.txt'],
    ['a lone surrogate', 'a\uD800b.txt', 'ab.txt']
  ]
  for (const [what, raw, expected] of cases) t.equal(sanitizeFilename(raw), expected, what)
})

t.test('sanitizeFilename keeps visible text in any script', async (t) => {
  for (const name of ['Отчёт 2026.pdf', 'تقرير.pdf', '報告書.docx', 'naïve café.txt', 'résumé (1).pdf']) {
    t.equal(sanitizeFilename(name), name, name)
  }
  t.equal(sanitizeFilename('\u200B\uFEFF'), 'document', 'a name of nothing visible falls back')
})
