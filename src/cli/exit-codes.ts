/**
 * The CLI's exit codes, for scripts. 0 and 2 mean what they mean for every docqueue command
 * (src/bin/entry-point.ts); the others say why a client command did not get its answer.
 */
export const EXIT = {
  /** Everything asked for succeeded: every file uploaded, every document waited for completed. */
  ok: 0,
  /** The API answered, and some of it failed: a document failed, an upload or reprocess was refused, no such document. */
  failed: 1,
  /** A mistake in the command line or its settings: nothing was sent. */
  usage: 2,
  /** The API could not be reached, or refused the key. */
  unreachable: 3,
  /** `wait --timeout` ran out before every document reached a final status. */
  timeout: 4
} as const
