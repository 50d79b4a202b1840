'use strict'
// out/cli/tokenwatch.js (copied there by scripts/build-cli.mjs): runs the bundled CLI,
// tokenwatch-main.js beside it, through a V8 code cache kept beside it too, so a start compiles
// less (~20-30 ms less CPU a command, docs/BENCHMARKS.md). The cache is tied to the bundle's size
// and mtime (V8's own check is weaker) and written only where the bundle is (never a shared
// temporary folder); a cache that cannot be read, written or used changes nothing but the speed.
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')
const Module = require('node:module')

const file = path.join(__dirname, 'tokenwatch-main.js')
const cacheFile = `${file}.v8cache`

function run() {
  const st = fs.statSync(file)
  // Header: the bundle's size and mtime (ms), as two float64s.
  const stamp = Buffer.alloc(16)
  stamp.writeDoubleLE(st.size, 0)
  stamp.writeDoubleLE(Math.trunc(st.mtimeMs), 8)
  let cachedData
  try {
    const c = fs.readFileSync(cacheFile)
    if (c.length > 16 && c.subarray(0, 16).equals(stamp)) cachedData = c.subarray(16)
  } catch {
    // no cache yet
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData })
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the run, so that the functions it compiled are in the cache too.
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`
        fs.writeFileSync(tmp, Buffer.concat([stamp, script.createCachedData()]))
        fs.renameSync(tmp, cacheFile)
      } catch {
        // a read-only install: no cache
      }
    })
  }
  const m = new Module(file, module)
  m.filename = file
  m.paths = Module._nodeModulePaths(__dirname)
  const req = Module.createRequire(file)
  script.runInThisContext()(m.exports, req, m, file, __dirname)
}

run()
