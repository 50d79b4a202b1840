import { type JSX } from 'react'
import { assertNever } from '../../../shared/assert-never'
import type { Figures } from '../../../shared/contract'
import { costState, formatInt, formatUsd } from '../lib/format'

/** A cost that never shows $0 for usage it cannot price: "unpriced", or the priced part + a flag. */
export function Cost({ f }: { f: Pick<Figures, 'costUsd' | 'unpricedTokens'> }): JSX.Element {
  const title = `${formatInt(f.unpricedTokens)} tokens of models with no known price are not included`
  const state = costState(f)
  switch (state) {
    case 'priced':
      return <>{formatUsd(f.costUsd)}</>
    case 'partial':
      return (
        <>
          {formatUsd(f.costUsd)}{' '}
          <span className="badge badge-warn" title={title}>
            + unpriced
          </span>
        </>
      )
    case 'unpriced':
      return (
        <span className="badge badge-warn" title={title} data-unpriced="true">
          unpriced
        </span>
      )
    default:
      return assertNever(state)
  }
}
