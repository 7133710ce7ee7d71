// Live updates: every element with data-live="<fragment URL>" is refreshed in place from that
// URL, which answers the region's inner HTML rendered by the server (the same Eta partial as the
// page, so no template lives in JavaScript). The operator picks the interval in the header; it
// is remembered in localStorage. Polling stops while the tab is hidden and resumes, with an
// immediate refresh, when it is shown again. A change is announced politely through the
// layout's status element; focus is never moved.

const STORAGE_KEY = 'docq.liveIntervalMs'
const CHOICES = [0, 2000, 5000, 15000, 60000]
const DEFAULT_MS = 15000

function storedInterval () {
  try {
    const stored = Number(localStorage.getItem(STORAGE_KEY))
    return CHOICES.includes(stored) && localStorage.getItem(STORAGE_KEY) !== null ? stored : DEFAULT_MS
  } catch {
    // Storage can be denied (privacy settings); the default then holds for this page.
    return DEFAULT_MS
  }
}

/** What a region says, without its times, which change on every refresh. */
function meaning (root) {
  const copy = root.cloneNode(true)
  for (const time of copy.querySelectorAll('time')) time.remove()
  return copy.textContent.replace(/\s+/g, ' ').trim()
}

/** Starts live updates for the regions of `document` (none: only the interval control is wired). */
export function startLiveUpdates (document) {
  const regions = [...document.querySelectorAll('[data-live]')]
  const select = document.getElementById('live-interval')
  const status = document.getElementById('live-status')
  const root = document.documentElement
  let intervalMs = storedInterval()
  let timer
  let stopped = false

  function setState (state) { root.dataset.liveState = state }

  function schedule () {
    clearTimeout(timer)
    if (stopped) return setState('stopped')
    if (regions.length === 0 || intervalMs === 0) return setState('off')
    if (document.hidden) return setState('paused')
    setState('polling')
    timer = setTimeout(refreshAll, intervalMs)
  }

  async function refresh (region) {
    const response = await fetch(region.dataset.live, { headers: { accept: 'text/html' }, cache: 'no-store', redirect: 'error' })
    if (response.status === 401 || response.status === 403) {
      stopped = true
      status.textContent = 'Live updates stopped: sign in again to resume them.'
      return
    }
    if (!response.ok) return
    const next = document.createElement('template')
    next.innerHTML = await response.text()
    const changed = meaning(next.content) !== meaning(region)
    const focusedId = region.contains(document.activeElement) ? document.activeElement.id : ''
    region.replaceChildren(next.content)
    if (focusedId !== '') document.getElementById(focusedId)?.focus({ preventScroll: true })
    region.dispatchEvent(new CustomEvent('docq:live-updated', { bubbles: true }))
    if (changed) status.textContent = `${region.dataset.liveLabel ?? 'The page'} updated.`
  }

  async function refreshAll () {
    // A failed fetch (server restarting, network down) leaves the region as it was until the next round.
    await Promise.allSettled(regions.map(refresh))
    schedule()
  }

  if (select !== null) {
    select.value = String(intervalMs)
    select.closest('.live-control')?.removeAttribute('hidden')
    select.addEventListener('change', () => {
      intervalMs = Number(select.value)
      try { localStorage.setItem(STORAGE_KEY, String(intervalMs)) } catch { /* denied: the choice holds for this page only */ }
      schedule()
    })
  }
  document.addEventListener('visibilitychange', () => {
    if (document.hidden || intervalMs === 0 || regions.length === 0 || stopped) return schedule()
    clearTimeout(timer)
    setState('polling')
    refreshAll()
  })
  schedule()
}
