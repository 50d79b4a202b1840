import { openContext } from '../engine/context'
import { machineIdentity, setMachineName } from '../engine/store/changes'
import { parseOptions } from './args'

/** `tokenwatch machine [--name NAME]`: this store's machine id and name (as teams see it); renames it. */
export async function runMachine(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, { name: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' } })
  const ctx = openContext({ env, writer: o.name !== undefined, ...(o.db ? { dbPath: o.db } : {}) })
  try {
    if (o.name !== undefined) setMachineName(ctx.store, o.name)
    const me = machineIdentity(ctx.store)
    process.stdout.write(o.json ? `${JSON.stringify(me)}\n` : `${me.name}  (${me.id})\n`)
    return 0
  } finally {
    ctx.close()
  }
}
