import { Counter, type Registry } from 'prom-client'

/**
 * `docqueue_wakeups_undelivered_total`: the wake-ups a process (API or worker) could not hand to
 * Redis. It is read from the queue at each scrape, so the queue needs no reference to metrics.
 */
export function registerUndeliveredWakeUps (registry: Registry, queue: { readonly undeliveredWakeUps: number }): void {
  // eslint-disable-next-line no-new -- registered by the constructor; its collect reads the queue.
  new Counter({
    name: 'docqueue_wakeups_undelivered_total',
    help: 'Wake-ups this process could not send to Redis; their items wait for the reconciler or a sweep',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(queue.undeliveredWakeUps)
    }
  })
}
