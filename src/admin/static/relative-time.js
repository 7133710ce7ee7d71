// Turns each server-rendered <time data-relative> into "3 min ago" or "in 2 h", keeps it fresh,
// and shows the exact moment in the reader's own time zone on hover (the title). Without
// JavaScript the element keeps the exact UTC time the server wrote.

const REFRESH_MS = 15_000

// Largest unit first: a moment reads in the largest unit it fills at least once.
const UNITS = [['d', 86_400], ['h', 3_600], ['min', 60], ['s', 1]]

/** "3 min ago", "in 2 h", "just now" for `then` seen at `now` (both in ms). */
export function relativeTime (then, now) {
  const seconds = Math.round((then - now) / 1000)
  const size = Math.abs(seconds)
  if (size < 5) return 'just now'
  const [unit, length] = UNITS.find(([, length]) => size >= length)
  const amount = Math.floor(size / length)
  return seconds < 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`
}

function render (root, now) {
  for (const element of root.querySelectorAll('time[data-relative]')) {
    const then = Date.parse(element.getAttribute('datetime') ?? '')
    if (Number.isNaN(then)) continue
    element.textContent = relativeTime(then, now)
    element.title = new Date(then).toLocaleString()
  }
}

/** Renders every relative time in `document` now, again every 15 s, and in each region a live update replaced. */
export function startRelativeTimes (document) {
  render(document, Date.now())
  setInterval(() => { render(document, Date.now()) }, REFRESH_MS)
  document.addEventListener('docq:live-updated', (event) => { render(event.target, Date.now()) })
}
