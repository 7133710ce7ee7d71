import { data } from 'franc-min/data.js'
import { expressions } from 'franc-min/expressions.js'

/**
 * Language identification with franc-min's trigram models and franc's verdicts, laid out for
 * speed. franc scores a sample against each of a script's languages in turn, one object
 * lookup per trigram and language (44 languages for Latin script): that was a quarter of a
 * worker's CPU on 10 KB text documents. Here each trigram is looked up once in an index that
 * lists the languages whose model holds it, so a sample costs one lookup per distinct trigram.
 * test/processing/identify-language.test.ts checks the verdicts against franc's own.
 */

/** franc reads at most this many characters. */
const maxSampleLength = 2048
/** What a trigram that a language's model lacks adds to that language's distance. */
const missingTrigramDistance = 300
/** The characters franc drops before taking trigrams: ASCII punctuation, symbols and digits. */
const droppedCharacters = /[\u0021-\u0040]+/g
const whiteSpace = /\s+/g

interface ScriptModels {
  languages: string[]
  /** Per trigram, pairs of (index into `languages`, the trigram's rank in that language's model). */
  postings: Map<string, Int32Array>
}

const modelsByScript = new Map<string, ScriptModels>()

function buildModels (languageModels: Record<string, string>): ScriptModels {
  const languages = Object.keys(languageModels)
  const lists = new Map<string, number[]>()
  languages.forEach((language, index) => {
    const trigrams = (languageModels[language] as string).split('|')
    trigrams.forEach((trigram, rank) => {
      const list = lists.get(trigram)
      if (list === undefined) lists.set(trigram, [index, rank])
      else list.push(index, rank)
    })
  })
  const postings = new Map<string, Int32Array>()
  for (const [trigram, list] of lists) postings.set(trigram, Int32Array.from(list))
  return { languages, postings }
}

/** The models of a script, indexed on first use; null for a script franc knows one language of. */
function modelsFor (script: string): ScriptModels | null {
  const cached = modelsByScript.get(script)
  if (cached !== undefined) return cached
  const languageModels = data[script]
  if (languageModels === undefined) return null
  const models = buildModels(languageModels)
  modelsByScript.set(script, models)
  return models
}

/** The script with the most characters in `sample` and that count (the first listed on a tie). */
function topScript (sample: string): [string, number] {
  let top = ''
  let topCount = -1
  for (const [script, expression] of Object.entries(expressions)) {
    const count = sample.match(expression)?.length ?? 0
    if (count > topCount) {
      top = script
      topCount = count
    }
  }
  return [top, topCount]
}

/** How often each trigram occurs in the sample, lower-cased and padded with a space each side. */
function countTrigrams (sample: string): Map<string, number> {
  const cleaned = ' ' + sample.replace(droppedCharacters, ' ').replace(whiteSpace, ' ').trim().toLowerCase() + ' '
  const counts = new Map<string, number>()
  for (let index = 0; index + 3 <= cleaned.length; index++) {
    const trigram = cleaned.slice(index, index + 3)
    counts.set(trigram, (counts.get(trigram) ?? 0) + 1)
  }
  return counts
}

/**
 * The closest language of `models` to the sample's trigrams: the distance sums, per distinct
 * trigram, how far its count is from its rank in the language's model, or a fixed penalty when
 * the model lacks it. The first language in model order wins a tie.
 */
function closestLanguage (counts: Map<string, number>, models: ScriptModels): string {
  const distances = new Float64Array(models.languages.length).fill(counts.size * missingTrigramDistance)
  for (const [trigram, count] of counts) {
    const postings = models.postings.get(trigram)
    if (postings === undefined) continue
    for (let at = 0; at < postings.length; at += 2) {
      const language = postings[at] as number
      distances[language] = (distances[language] as number) - missingTrigramDistance + Math.abs(count - (postings[at + 1] as number) - 1)
    }
  }
  let best = 0
  for (let language = 1; language < distances.length; language++) {
    if ((distances[language] as number) < (distances[best] as number)) best = language
  }
  return models.languages[best] as string
}

/** ISO 639-3 code of the language of `text` as franc would name it, or 'und' when it cannot tell. */
export function identifyLanguage (text: string): string {
  if (text === '') return 'und'
  const sample = text.slice(0, maxSampleLength)
  const [script, count] = topScript(sample)
  const models = modelsFor(script)
  if (models === null) return count === 0 ? 'und' : script
  return closestLanguage(countTrigrams(sample), models)
}
