import { seededRandom } from '../test/helpers/seeded-random.js'
import { randomBytes } from 'node:crypto'

// Word classes for sentences that read like a plain business or technical note. Enough variety
// that the text compresses and detects like prose, not like one phrase repeated.
const subjects = [
  'the team', 'our customer', 'the new office', 'every region', 'the finance group', 'the pilot project',
  'the support desk', 'a small vendor', 'the review board', 'the warehouse', 'the research lab', 'the city council',
  'the night shift', 'the data platform', 'the sales department', 'the legal team', 'a regional partner',
  'the mobile app', 'the training program', 'the supply chain', 'the audit committee', 'the design studio'
]
const verbs = [
  'reviewed', 'delayed', 'approved', 'measured', 'replaced', 'simplified', 'reported', 'questioned', 'doubled',
  'moved', 'planned', 'tested', 'shared', 'described', 'improved', 'rejected', 'scheduled', 'estimated',
  'documented', 'compared', 'reduced', 'expanded', 'negotiated', 'published'
]
const adjectives = [
  'quarterly', 'careful', 'early', 'detailed', 'modest', 'unexpected', 'costly', 'steady', 'rough', 'formal',
  'shared', 'internal', 'seasonal', 'practical', 'final', 'local', 'annual', 'temporary', 'ambitious', 'clear'
]
const objects = [
  'budget', 'schedule', 'contract', 'report', 'inventory', 'proposal', 'survey', 'forecast', 'checklist',
  'migration plan', 'price list', 'safety review', 'delivery route', 'hiring plan', 'invoice', 'backlog',
  'customer list', 'floor plan', 'maintenance window', 'travel policy', 'test suite', 'risk register'
]
const tails = [
  'before the end of the month', 'after a long discussion', 'with little warning', 'for the second time this year',
  'despite the cold weather', 'as the board had asked', 'without much trouble', 'in time for the audit',
  'while the servers were down', 'once the numbers were final', 'at the request of the director',
  'during the morning meeting', 'because the old one had expired', 'so that nobody had to work late',
  'ahead of the holiday season', 'after three weeks of testing'
]
const connectors = ['However,', 'Meanwhile,', 'As a result,', 'In March,', 'Later,', 'By Friday,', 'Still,', 'In short,', 'Even so,']
const remarks = [
  'Nobody expected the figures to change so quickly.',
  'The minutes of that meeting are attached below.',
  'Several people asked why the change took so long.',
  'It is not yet clear who will own the follow-up.',
  'A short summary was sent to every department head.',
  'The next review is planned for the spring.',
  'Two of the original goals were dropped along the way.',
  'Costs stayed within the limit agreed last year.'
]

function plural (noun: string): string {
  return noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`
}

function capitalize (text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/**
 * English-like plain text of exactly `bytes` bytes (ASCII), in paragraphs of varied
 * sentences. Deterministic for a given seed, so runs compare like for like.
 */
export function sampleText (bytes: number, seed = 42): string {
  const random = seededRandom(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]
  const sentence = (): string => {
    const roll = random()
    if (roll < 0.12) return pick(remarks)
    const core = `${pick(subjects)} ${pick(verbs)} the ${pick(adjectives)} ${pick(objects)}`
    const withTail = random() < 0.6 ? `${core} ${pick(tails)}` : core
    if (roll < 0.35) return `${pick(connectors)} ${withTail}.`
    const count = 2 + Math.floor(random() * 40)
    if (roll < 0.5) return `${capitalize(withTail)}, and ${count} of the ${plural(pick(objects))} are still open.`
    return `${capitalize(withTail)}.`
  }

  let text = ''
  while (text.length < bytes) {
    const sentences = 3 + Math.floor(random() * 5)
    const paragraph = Array.from({ length: sentences }, sentence).join(' ')
    text += (text === '' ? '' : '\n\n') + paragraph
  }
  // Cut at a word boundary; the few bytes left to reach the exact size become trailing spaces.
  const cut = text.lastIndexOf(' ', bytes - 1)
  return text.slice(0, cut > 0 ? cut : bytes - 1).padEnd(bytes - 1, ' ') + '\n'
}

/** A ready-to-send `multipart/form-data` body with one file part named `file`. */
export interface MultipartBody {
  contentType: string
  body: Buffer
}

/** Builds the multipart body once, so the load generator only replays bytes. */
export function multipartFile (file: { filename: string, contentType: string, content: Buffer }): MultipartBody {
  const boundary = `----docqbench${randomBytes(12).toString('hex')}`
  const head = Buffer.from(
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="file"; filename="${file.filename}"\r\n` +
    `Content-Type: ${file.contentType}\r\n\r\n`
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat([head, file.content, tail]) }
}
