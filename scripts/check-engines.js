// `npm run lint:engines`: every package the lockfile installs must accept the Node.js versions
// docqueue says it runs on (package.json `engines.node`): the oldest of them, and the one running
// this check. Otherwise `npm ci` prints EBADENGINE warnings there, and the package may use what
// that Node lacks. Reads the committed lockfile, so a dependency bump that pulls in a package
// for a newer Node fails the lint before anyone installs it.
// Usage: node scripts/check-engines.js [PROJECT_DIR]   (default: the current directory)
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import semver from 'semver'

const project = resolve(process.argv[2] ?? '.')
const readJson = (name) => JSON.parse(readFileSync(join(project, name), 'utf8'))

const ours = readJson('package.json').engines?.node
if (ours === undefined || semver.validRange(ours) === null) {
  console.error('check-engines: package.json has no valid engines.node to check against')
  process.exit(1)
}
const nodes = [...new Set([semver.minVersion(ours).version, semver.clean(process.version)])]
  .filter((version) => semver.satisfies(version, ours))

const problems = []
for (const [path, entry] of Object.entries(readJson('package-lock.json').packages ?? {})) {
  const theirs = entry.engines?.node
  // The root entry is ourselves; a package may also give engines as an array (an old npm format).
  if (path === '' || typeof theirs !== 'string') continue
  const refused = nodes.filter((version) => !semver.satisfies(version, theirs, { includePrerelease: true }))
  if (refused.length > 0) {
    problems.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version}${entry.dev === true ? ' (dev)' : ''} needs node ${theirs}, refusing ${refused.join(' and ')} (installed at ${path})`)
  }
}

if (problems.length > 0) {
  console.error(`check-engines: ${problems.length} installed package(s) refuse a Node.js version that package.json's engines.node (${ours}) accepts:`)
  for (const problem of problems) console.error(`  ${problem}`)
  console.error('Pin a version that accepts them (a direct dependency, or "overrides" in package.json), or raise engines.node and the README with it. `npm ls NAME` shows who pulls a package.')
  process.exit(1)
}
console.log(`check-engines: every package in package-lock.json accepts node ${nodes.join(' and ')} (engines.node ${ours})`)
