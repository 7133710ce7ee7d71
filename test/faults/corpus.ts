import { seededRandom } from '../helpers/seeded-random.js'

// Plain words, so that extraction, language detection and chunking see ordinary prose.
const WORDS = (
  'the quarterly report describes how the warehouse team moved inventory between regional depots ' +
  'while the finance group reviewed invoices contracts and delivery schedules for the coming season ' +
  'customers asked for clearer tracking so engineers added status pages and weekly summaries ' +
  'managers agreed that every shipment should carry a label with its origin weight and destination ' +
  'the committee approved a budget for training new staff and replacing older trucks before winter ' +
  'storage costs rose slightly but careful planning kept the overall margin within the expected range'
).split(' ')

/** A few hundred bytes of English sentences, distinct for each `index`. */
export function documentText (index: number, label: string): string {
  const random = seededRandom(index * 7919 + label.length)
  const sentences: string[] = [`Document ${index} of the ${label} run.`]
  while (sentences.join(' ').length < 320) {
    const length = 8 + Math.floor(random() * 8)
    const words = Array.from({ length }, () => WORDS[Math.floor(random() * WORDS.length)])
    sentences.push(`${words[0].charAt(0).toUpperCase()}${words[0].slice(1)} ${words.slice(1).join(' ')}.`)
  }
  return `${sentences.join(' ')}\n`
}
