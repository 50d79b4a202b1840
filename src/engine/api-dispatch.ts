import { API_METHOD_TABLE, type AppApi } from '../shared/contract'
import type { ValidCall } from './schema/contract'

/** Runs one validated contract call: the one dispatcher of both transports (IPC and HTTP). */
export function callApi(api: AppApi, call: ValidCall): Promise<unknown> {
  // validateCall paired the method with an argument of its own type, so the call is well typed.
  const fn = api[call.method] as (arg?: unknown) => Promise<unknown>
  return API_METHOD_TABLE[call.method].arg ? fn.call(api, call.arg) : fn.call(api)
}
