import t from 'tap'
import { chooseStartMode } from '../../src/bin/start-mode.js'
import { loadConfig } from '../../src/config.js'

// Which mode `npm start` picks. This machine runs Postgres and Redis on their default ports, so
// `auto` sees them answer here; the bare machine's side is run by embedded-mode.test.ts with the
// switch forced on.

t.test('DOCQUEUE_EMBEDDED on/1 forces the embedded mode, off/0 the servers, whatever is configured', async (t) => {
  for (const value of ['on', '1']) {
    const env = { DOCQUEUE_EMBEDDED: value, DATABASE_URL: 'postgres://postgres@localhost:5432/docqueue' }
    t.equal(await chooseStartMode(loadConfig(env), env), 'embedded', value)
  }
  for (const value of ['off', '0']) {
    const env = { DOCQUEUE_EMBEDDED: value }
    t.equal(await chooseStartMode(loadConfig(env), env), 'servers', value)
  }
})

t.test('auto: a DATABASE_URL or REDIS_URL set means servers were meant, even where none answers', async (t) => {
  for (const env of [{ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/docqueue' }, { REDIS_URL: 'redis://127.0.0.1:1' }]) {
    t.equal(await chooseStartMode(loadConfig(env), env), 'servers', Object.keys(env)[0])
  }
})

t.test('auto with nothing set: servers when they answer on localhost, as they do on this machine', async (t) => {
  const env = {}
  t.equal(await chooseStartMode(loadConfig(env), env), 'servers')
})

t.test('DOCQUEUE_EMBEDDED refuses other values', async (t) => {
  t.throws(() => loadConfig({ DOCQUEUE_EMBEDDED: 'yes' }), /DOCQUEUE_EMBEDDED/)
})
