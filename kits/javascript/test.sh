#!/usr/bin/env bash
# Runs bot.test.js against bot.js in the JavaScript runtime: one tick of a
# match, whose init runs the checks. Prints the checks' log; fails if one does.
# (Prototype runtime: the script is embedded into the module by build.sh.)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
L=${LOCKSTEP:-/work/main/target/release/lockstep}
BUILD=${BUILD:-/work/scratch/runtimes/js-quickjs-c/build.sh}
CONF=${CONF:-/work/scratch/runtimes/conf/raised.toml}
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cat "$here/bot.js" "$here/bot.test.js" > "$tmp/all.js"
"$BUILD" "$tmp/all.js" "$tmp/all.wasm" >/dev/null
"$L" match "$tmp/all.wasm" idle --ticks 1 --config "$CONF" --json > "$tmp/result.json"
python3 - "$tmp/result.json" <<'PY'
import json, sys
bot = json.load(open(sys.argv[1]))["players"][0]
for line in bot["log_tail"]:
    if line["tick"] is None: print(line["line"].rstrip())
sys.exit(0 if bot["init"]["kind"] == "ok" else 1)
PY
