import type { AppApi } from '../shared/contract'
import { assertNever } from '../shared/assert-never'
import type { ValidCall } from './web/validate'

/** Runs one validated contract call: the one dispatcher of both transports (IPC and HTTP). */
export function callApi(api: AppApi, call: ValidCall): Promise<unknown> {
  switch (call.method) {
    case 'dimensions': return api.dimensions()
    case 'report': return api.report(call.arg)
    case 'sessions': return api.sessions(call.arg)
    case 'sessionCount': return api.sessionCount(call.arg)
    case 'sessionEvents': return api.sessionEvents(call.arg)
    case 'todaySpend': return api.todaySpend(call.arg)
    case 'blocks': return api.blocks(call.arg)
    case 'sourceStatus': return api.sourceStatus()
    case 'backfillProgress': return api.backfillProgress()
    case 'getSettings': return api.getSettings()
    case 'setSettings': return api.setSettings(call.arg)
    case 'reportCsv': return api.reportCsv(call.arg)
    case 'exportCsv': return api.exportCsv(call.arg)
    case 'addLogFolder': return api.addLogFolder(call.arg)
    case 'removeLogFolder': return api.removeLogFolder(call.arg)
    default: return assertNever(call)
  }
}
