// Row selection for the documents list's bulk actions: "select all on this page", shift-click
// to select a range, and the selection buttons enabled only while a row is selected. An
// enhancement only: without it every checkbox works on its own and the form submits as is.
const form = document.getElementById('bulk-selection')
const all = document.getElementById('select-page')

if (form !== null && all !== null) {
  const boxes = [...form.querySelectorAll('input[type="checkbox"][name="id"]')]
  const buttons = [...form.querySelectorAll('button[name="action"]')]
  let anchor = null

  const sync = () => {
    const selected = boxes.filter((box) => box.checked).length
    all.checked = selected > 0 && selected === boxes.length
    all.indeterminate = selected > 0 && selected < boxes.length
    // With nothing selected the confirmation page would get no ids at all: an empty request.
    for (const button of buttons) button.disabled = selected === 0
  }

  all.hidden = false
  all.addEventListener('change', () => {
    for (const box of boxes) box.checked = all.checked
    anchor = null
    sync()
  })

  for (const box of boxes) {
    box.addEventListener('click', (event) => {
      if (event.shiftKey && anchor !== null && anchor !== box) {
        const [start, end] = [boxes.indexOf(anchor), boxes.indexOf(box)].sort((a, b) => a - b)
        for (const other of boxes.slice(start, end + 1)) other.checked = box.checked
      }
      anchor = box
      sync()
    })
  }
  // The browser may restore checked boxes when the page is shown again from history.
  window.addEventListener('pageshow', sync)
  sync()
}
