import type { BulkActionName } from '../../states.js'
import { filterSearchParams, type DocumentFilter } from '../documents/document-filter.js'
import type { BulkTarget } from './bulk-target.js'

// Bulk actions in words, for the confirmation and progress pages: what will be done to which
// documents, as an operator would say it.

const VERBS: Record<BulkActionName, string> = { retry: 'retry', reprocess: 'reprocess', cancel: 'cancel', delete: 'delete', clear: 'delete' }

/** "1,234": counts as people read them. */
export function formatCount (n: number): string {
  return n.toLocaleString('en-US')
}

/** "This will retry 1,234 documents." */
export function dryRunSentence (action: BulkActionName, target: BulkTarget, total: number): string {
  const noun = target.kind === 'history' ? (total === 1 ? 'finished queue item' : 'finished queue items') : (total === 1 ? 'document' : 'documents')
  return `This will ${VERBS[action]} ${formatCount(total)} ${noun}.`
}

function filterWords (filter: DocumentFilter): string[] {
  const words: string[] = []
  if (filter.status !== undefined) words.push(`status ${filter.status}`)
  if (filter.operation !== undefined) words.push(`operation ${filter.operation}`)
  if (filter.tenant !== undefined) words.push(`tenant ${filter.tenant}`)
  if (filter.priority !== undefined) words.push(`priority ${filter.priority}`)
  if (filter.kind !== undefined) words.push(`error kind ${filter.kind}`)
  if (filter.code !== undefined) words.push(`failure code ${filter.code}`)
  if (filter.from !== undefined) words.push(`created from ${filter.from}`)
  if (filter.to !== undefined) words.push(`created up to ${filter.to}`)
  if (filter.q !== undefined) words.push(`file name or error containing “${filter.q}”`)
  if (filter.group !== undefined) words.push(`error “${filter.group}”`)
  return words
}

const APPLIES: Record<string, string> = {
  retry: 'the failed ones',
  cancel: 'the pending ones',
  reprocess: 'the completed and failed ones',
  delete: 'whatever their status'
}

/** Which documents the action covers, in one sentence (the selected ids are listed apart). */
export function targetWords (target: BulkTarget): string {
  switch (target.kind) {
    case 'filter': {
      const words = filterWords(target.filter)
      return `Documents ${words.length === 0 ? 'of every kind' : 'with ' + words.join(', ')} uploaded before this action was created; ${APPLIES[target.action]}.`
    }
    case 'selected':
      return `The ${formatCount(target.documentIds.length)} selected ${target.documentIds.length === 1 ? 'document' : 'documents'}; ${APPLIES[target.action]}.`
    case 'old-documents':
      return `${target.status === 'completed' ? 'Completed' : 'Failed'} documents that reached that status more than ${formatCount(target.olderThanDays)} days ago, with their bytes, results and history.`
    case 'history':
      return `Queue history: finished items replaced by a later processing of their document, with their attempts, finished more than ${formatCount(target.olderThanDays)} days ago. Documents and their current items stay.`
  }
}

/** Where the operator came from, for the Back link: the filtered list, or the retention page. */
export function backLink (target: BulkTarget): string {
  if (target.kind === 'filter') {
    const query = filterSearchParams(target.filter).toString()
    return `/admin/documents${query === '' ? '' : '?' + query}`
  }
  return target.kind === 'selected' ? '/admin/documents' : '/admin/retention'
}

/** The hidden fields that carry a confirmed target to POST /admin/bulk, as name-value pairs. */
export function targetFields (target: BulkTarget): Array<[string, string]> {
  switch (target.kind) {
    case 'filter': return [...filterSearchParams(target.filter)]
    case 'selected': return target.documentIds.map((id) => ['id', id])
    case 'old-documents': return [['what', 'documents'], ['status', target.status], ['days', String(target.olderThanDays)]]
    case 'history': return [['what', 'history'], ['days', String(target.olderThanDays)]]
  }
}
