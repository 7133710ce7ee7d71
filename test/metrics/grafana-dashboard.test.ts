import t from 'tap'
import { readFileSync } from 'node:fs'
import { exportedMetrics, seriesNames, type ExportedMetric } from '../helpers/exported-metrics.js'
import '../helpers/leak-check.js'

interface Target { refId: string, expr: string, datasource: { uid: string } }
interface Panel { id: number, type: string, title: string, gridPos: Record<string, number>, datasource?: { uid: string }, targets?: Target[], panels?: Panel[] }

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/docqueue-dashboard.json', import.meta.url), 'utf8')) as { uid: string, panels: Panel[], templating: { list: Array<{ name: string }> } }
const metrics = exportedMetrics()
// Every series a scrape can hold, and the labels it carries (a histogram's buckets add `le`).
const series = new Map<string, string[]>()
for (const [name, metric] of metrics) {
  for (const seriesName of seriesNames(name, metric)) series.set(seriesName, seriesName.endsWith('_bucket') ? [...metric.labelNames, 'le'] : metric.labelNames)
}
// Grafana's syntax for the dashboard's data source variable, not a template literal.
const DATASOURCE_VARIABLE = '$' + '{datasource}'
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).filter((panel) => panel.type !== 'row')

t.test('every panel queries only series the service exports, with their own labels', async (t) => {
  t.ok(panels.length > 0)
  for (const panel of panels) {
    t.equal(panel.datasource?.uid, DATASOURCE_VARIABLE, `${panel.title}: uses the dashboard's data source`)
    t.ok((panel.targets ?? []).length > 0, `${panel.title}: has a query`)
    for (const { expr } of panel.targets ?? []) {
      const named = [...expr.matchAll(/\b(docqueue_[a-z0-9_]+)\b/g)].map((match) => match[1])
      t.ok(named.length > 0, `${panel.title}: ${expr} names a docqueue metric`)
      const labels = new Set(named.flatMap((name) => series.get(name) ?? []))
      for (const name of named) t.ok(series.has(name), `${panel.title}: ${name} is exported`)
      for (const [, name, selector] of expr.matchAll(/\b(docqueue_[a-z0-9_]+)\{([^}]*)\}/g)) {
        for (const [, label] of selector.matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) t.ok(series.get(name)?.includes(label), `${panel.title}: ${name} has the label ${label}`)
      }
      for (const [, grouping] of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const label of grouping.split(',').map((l) => l.trim())) t.ok(labels.has(label), `${panel.title}: grouped by ${label}, a label of its series`)
      }
    }
  }
})

t.test('every exported metric has a panel, and the panels are laid out without clashes', async (t) => {
  const exprs = panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr))
  for (const [name, metric] of metrics as Map<string, ExportedMetric>) {
    t.ok(seriesNames(name, metric).some((seriesName) => exprs.some((expr) => new RegExp(`\\b${seriesName}\\b`).test(expr))), `${name} is on the dashboard`)
  }
  const ids = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).map((panel) => panel.id)
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  for (const panel of panels) {
    const refIds = (panel.targets ?? []).map((target) => target.refId)
    t.equal(new Set(refIds).size, refIds.length, `${panel.title}: query ids are unique`)
  }
  const laidOut = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])])
  for (const [i, a] of laidOut.entries()) {
    for (const b of laidOut.slice(i + 1)) {
      const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w &&
        a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h
      if (overlap) t.fail(`${a.title} and ${b.title} overlap`)
    }
  }
  t.same(dashboard.templating.list.map((variable) => variable.name), ['datasource', 'tenant'])
})
