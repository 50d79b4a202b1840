import { type JSX } from 'react'
import { PRESETS, type RangeChoice } from '../lib/range'
import { SegmentedControl } from './SegmentedControl'

/** Preset ranges, plus two date fields when "Custom" is chosen (inclusive, in the viewer's zone). */
export function RangePicker({ value, onChange }: { value: RangeChoice; onChange: (r: RangeChoice) => void }): JSX.Element {
  return (
    <div className="range-picker">
      <SegmentedControl
        label="Time range"
        options={PRESETS}
        value={value.preset}
        onChange={(preset) => onChange({ ...value, preset })}
        testid="range"
      />
      {value.preset === 'custom' && (
        <div className="custom-range">
          <label>
            From
            <input
              type="date"
              data-testid="range-from"
              value={value.customFrom}
              max={value.customTo}
              onChange={(e) => e.target.value !== '' && onChange({ ...value, customFrom: e.target.value })}
            />
          </label>
          <label>
            To
            <input
              type="date"
              data-testid="range-to"
              value={value.customTo}
              min={value.customFrom}
              onChange={(e) => e.target.value !== '' && onChange({ ...value, customTo: e.target.value })}
            />
          </label>
        </div>
      )}
    </div>
  )
}
