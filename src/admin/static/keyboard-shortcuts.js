// Keyboard shortcuts of every admin page; the dialog in the layout lists them. None fires while
// the operator types in a field, or with Ctrl, Alt or Meta held (those belong to the browser).

// After "g", the second key of a "go to" shortcut must follow within this time.
const SEQUENCE_MS = 1500
const GO_TO = { o: '/admin', d: '/admin/documents', f: '/admin/failures', a: '/admin/audit' }

function isTyping (target) {
  return typeof target?.closest === 'function' && target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]') !== null
}

/** The rows j and k move through: those of the page's tables that hold a link to open. */
function tableRows (document) {
  return [...document.querySelectorAll('main tbody tr')].filter((row) => row.querySelector('a[href]') !== null)
}

function moveRowFocus (document, step) {
  const rows = tableRows(document)
  if (rows.length === 0) return
  const current = rows.indexOf(document.activeElement)
  const next = current === -1 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, current + step))
  const row = rows[next]
  // Rows are focusable only through these keys: Tab keeps going link to link.
  row.tabIndex = -1
  row.classList.add('row-focus')
  row.focus()
  row.scrollIntoView({ block: 'nearest' })
}

/** Wires the shortcuts and the shortcuts dialog (its button shown only now that it works). */
export function startKeyboardShortcuts (document) {
  const dialog = document.getElementById('shortcuts')
  const button = document.getElementById('shortcuts-button')
  const close = document.getElementById('shortcuts-close')
  const search = document.getElementById('site-search')
  if (dialog === null || button === null || close === null) return
  button.hidden = false
  button.addEventListener('click', () => { dialog.showModal() })
  close.addEventListener('click', () => { dialog.close() })

  let pendingG = 0
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || isTyping(event.target) || dialog.open) return
    const active = document.activeElement
    if (event.key === 'Enter' && active?.tagName === 'TR') {
      const link = active.querySelector('a[href]')
      if (link !== null) { event.preventDefault(); link.click() }
      return
    }
    if (pendingG > Date.now() && event.key in GO_TO) {
      pendingG = 0
      event.preventDefault()
      document.location.assign(GO_TO[event.key])
      return
    }
    pendingG = 0
    switch (event.key) {
      case '/':
        if (search === null) return
        event.preventDefault()
        search.focus()
        search.select()
        break
      case '?':
        event.preventDefault()
        dialog.showModal()
        break
      case 'g':
        pendingG = Date.now() + SEQUENCE_MS
        break
      case 'j':
        event.preventDefault()
        moveRowFocus(document, 1)
        break
      case 'k':
        event.preventDefault()
        moveRowFocus(document, -1)
        break
    }
  })
}
