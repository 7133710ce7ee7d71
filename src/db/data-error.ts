import pg from 'pg'

/**
 * Whether Postgres refused a statement because of the values it carried, so that the same
 * values would be refused on every attempt: SQLSTATE class 22 (data exception: an encoding the
 * database cannot hold, an invalid JSON escape, a value out of range) and class 54 (program
 * limit exceeded: a tsvector over 1 MB, a value nested too deep). A lost connection is no
 * DatabaseError, and shutdowns, deadlocks and lock timeouts have other classes (57, 40, 55):
 * those are worth another attempt.
 */
export function isDataError (error: unknown): error is pg.DatabaseError & { code: string } {
  return error instanceof pg.DatabaseError && error.code !== undefined && /^(22|54)[0-9A-Z]{3}$/.test(error.code)
}
