import { franc } from 'franc-min'
import { data } from 'franc-min/data.js'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { identifyLanguage } from '../../src/processing/identify-language.js'
import { seededRandom } from '../helpers/seeded-random.js'

// franc itself is the oracle: identifyLanguage promises franc's verdicts, only faster.
const francVerdict = (text: string): string => franc(text, { minLength: 1 })

const corpus = join(import.meta.dirname, '..', 'fixtures', 'corpus')

t.test('the same verdict as franc on every text file of the corpus, whole and in slices', async (t) => {
  const names = (await readdir(corpus)).filter((name) => /\.(txt|md|html)$/.test(name))
  t.ok(names.length >= 8, `${names.length} text files`)
  const verdicts = new Set<string>()
  for (const name of names) {
    const text = (await readFile(join(corpus, name))).toString('utf8')
    for (const [from, length] of [[0, 4000], [0, 1000], [500, 300], [text.length - 2500, 2500], [0, 40]] as const) {
      const sample = text.slice(Math.max(0, from), Math.max(0, from) + length)
      const expected = francVerdict(sample)
      verdicts.add(expected)
      if (identifyLanguage(sample) !== expected) t.fail(`${name} [${from}, +${length}]: ${identifyLanguage(sample)} against franc's ${expected}`)
    }
  }
  t.ok(verdicts.size >= 4, `the corpus covers several verdicts: ${[...verdicts].join(', ')}`)
})

/** Words made of a language's own common trigrams, so each model gets samples it should win. */
function sampleOf (random: () => number, model: string[], length: number): string {
  const pieces: string[] = []
  let size = 0
  while (size < length) {
    const pick = model[Math.floor(random() * Math.min(model.length, 120))] as string
    const roll = random()
    const piece = roll < 0.05 ? pick.toUpperCase() : roll < 0.08 ? `${pick}, 1984!` : pick
    pieces.push(piece)
    size += piece.length
  }
  return pieces.join(random() < 0.5 ? '' : ' ')
}

t.test('the same verdict as franc on 3,000 generated samples of every script and model', async (t) => {
  const random = seededRandom(20261202)
  const models = Object.values(data).flatMap((languages) => Object.values(languages).map((model) => model.split('|')))
  const extras = ['漢字と仮名が混じる文章です', '한국어 문장입니다', 'ภาษาไทย', 'Ελληνικά κείμενα', 'İstanbul İĞNE', '12345 !!! ###', '   ', 'a', 'Łódź ąę']
  const verdicts = new Set<string>()
  let disagreements = 0
  for (let round = 0; round < 3000; round++) {
    const model = models[round % models.length] as string[]
    const length = [3, 12, 60, 400, 1000, 2500][Math.floor(random() * 6)] as number
    let sample = sampleOf(random, model, length)
    if (random() < 0.3) sample += ' ' + sampleOf(random, models[Math.floor(random() * models.length)] as string[], length / 2)
    if (random() < 0.2) sample = (extras[Math.floor(random() * extras.length)] as string) + sample
    const expected = francVerdict(sample)
    verdicts.add(expected)
    if (identifyLanguage(sample) !== expected && disagreements++ < 5) {
      t.fail(`${JSON.stringify(sample.slice(0, 80))}: ${identifyLanguage(sample)} against franc's ${expected}`)
    }
  }
  t.equal(disagreements, 0, 'no disagreement')
  t.ok(verdicts.size >= 60, `${verdicts.size} different verdicts`)
})

t.test('what franc cannot tell', async (t) => {
  for (const sample of ['', '   ', '12345', '!!!', '\n\t']) t.equal(identifyLanguage(sample), francVerdict(sample), JSON.stringify(sample))
  t.equal(identifyLanguage('12345'), 'und')
})
