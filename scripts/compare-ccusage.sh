#!/usr/bin/env bash
# Day totals of Token Watch and ccusage on the same files (docs/SOURCES.md, "ccusage cross-check").
# Usage: scripts/compare-ccusage.sh SOURCE CCUSAGE_AGENT ENV_VAR=VALUE...
# Runs `npx ccusage@20.0.24 <agent> daily --json --offline` and `tokenwatch report --group-by day`
# (UTC) with an empty HOME, so only the folders the env vars name are read. Needs `npm run build:cli`.
set -euo pipefail
source_id=$1; agent=$2; shift 2
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
ccu=$(env -i PATH="$PATH" HOME="$home" TZ=UTC npm_config_update_notifier=false "$@" npx --yes ccusage@20.0.24 "$agent" daily --json --offline --timezone UTC)
tw_env=(env -i PATH="$PATH" HOME="$home" TZ=UTC TOKENWATCH_HOME="$home/tw" "$@")
"${tw_env[@]}" node "$(dirname "$0")/../bin/tokenwatch.js" scan >/dev/null
tw=$("${tw_env[@]}" node "$(dirname "$0")/../bin/tokenwatch.js" report --source "$source_id" --group-by day --tz UTC --json)
node -e '
const [ccu, tw] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2])]
const a = Object.fromEntries((ccu.daily ?? []).map((d) => [d.date, [d.inputTokens, d.outputTokens, d.cacheReadTokens, d.cacheCreationTokens]]))
const b = Object.fromEntries(tw.rows.map((r) => [r.day, [r.input, r.output, r.cacheRead, r.cacheWrite]]))
let same = true
for (const day of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
  const ok = JSON.stringify(a[day]) === JSON.stringify(b[day])
  same &&= ok
  console.log(`${day}  ccusage ${JSON.stringify(a[day] ?? null)}  tokenwatch ${JSON.stringify(b[day] ?? null)}  ${ok ? "equal" : "DIFFER"}`)
}
console.log(same ? "all days equal (input, output, cacheRead, cacheWrite)" : "days differ")
' "$ccu" "$tw"
