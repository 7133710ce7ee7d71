// The enhancements every signed-in page gets. Each only adds to a page that works without it.
import { startKeyboardShortcuts } from './keyboard-shortcuts.js'
import { startLiveUpdates } from './live-update.js'
import { startRelativeTimes } from './relative-time.js'

startRelativeTimes(document)
startKeyboardShortcuts(document)
startLiveUpdates(document)
