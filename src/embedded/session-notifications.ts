import { EventEmitter } from 'node:events'
import type { Notification } from 'pg'
import type { Pool } from '../db/pool.js'
import { EVENTS_CHANNEL, type ListenForEvents } from '../events/event-hub.js'

/**
 * How the API hears document events on PGlite. PGlite is one database session for every
 * connection, and a notification reaches the connection whose statement committed it, not the
 * one that said LISTEN: with the embedded pool of one connection, that is the pool's connection.
 * So the notifications of the pool's connections are gathered here, and LISTEN is said once
 * through the pool; the session keeps it as long as the database is open.
 */
export function listenThroughPool (pool: Pool): ListenForEvents {
  const notifications = new EventEmitter()
  pool.on('connect', (client) => {
    client.on('notification', (message: Notification) => { notifications.emit(message.channel, message.payload) })
  })
  return async (onPayload) => {
    notifications.on(EVENTS_CHANNEL, onPayload)
    try {
      await pool.query(`listen ${EVENTS_CHANNEL}`)
    } catch (error) {
      notifications.off(EVENTS_CHANNEL, onPayload)
      throw error
    }
    return async () => { notifications.off(EVENTS_CHANNEL, onPayload) }
  }
}
