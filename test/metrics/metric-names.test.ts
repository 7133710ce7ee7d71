import t from 'tap'
import { exportedMetrics } from '../helpers/exported-metrics.js'
import '../helpers/leak-check.js'

// Dashboards, alerts and recording rules name these: a rename or a label change breaks them
// silently, so any change here must be deliberate (and the dashboard in docs/grafana follow).
const STABLE = {
  docqueue_documents: { type: 'gauge', labelNames: ['tenant', 'status'] },
  docqueue_documents_retrying: { type: 'gauge', labelNames: ['tenant'] },
  docqueue_documents_failed_by_kind: { type: 'gauge', labelNames: ['tenant', 'kind'] },
  docqueue_oldest_pending_age_seconds: { type: 'gauge', labelNames: ['tenant'] },
  docqueue_http_request_duration_seconds: { type: 'histogram', labelNames: ['method', 'route', 'status'] },
  docqueue_upload_size_bytes: { type: 'histogram', labelNames: [] },
  docqueue_worker_claims_total: { type: 'counter', labelNames: ['operation'] },
  docqueue_worker_completions_total: { type: 'counter', labelNames: ['operation', 'detected_type'] },
  docqueue_worker_failures_total: { type: 'counter', labelNames: ['operation', 'code'] },
  docqueue_worker_retries_total: { type: 'counter', labelNames: ['operation', 'code'] },
  docqueue_worker_lost_total: { type: 'counter', labelNames: ['operation'] },
  docqueue_worker_processing_seconds: { type: 'histogram', labelNames: ['operation', 'detected_type', 'outcome'] },
  docqueue_reconciler_redispatched_total: { type: 'counter', labelNames: [] },
  docqueue_reconciler_taken_over_total: { type: 'counter', labelNames: [] },
  docqueue_reconciler_crashed_total: { type: 'counter', labelNames: [] },
  docqueue_wakeups_undelivered_total: { type: 'counter', labelNames: [] }
}

t.test('the metric names, types and labels are the documented ones', async (t) => {
  t.same(Object.fromEntries(exportedMetrics()), STABLE)
})
