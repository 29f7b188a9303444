#!/usr/bin/env bash
# Runs bot_test.py against bot.py in Lockstep's Python runtime, the same one
# a match uses: the two files are joined into one script, which plays one
# tick against `idle`; its init runs the checks. Prints the checks' log lines
# and fails if one failed (the script's init then raises).
#
#   ./test.sh                          (lockstep on the PATH)
#   LOCKSTEP=path/to/lockstep ./test.sh
#
# Nothing to build, no toolchain: bash, python3 and lockstep.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lockstep=${LOCKSTEP:-lockstep}
if ! command -v "$lockstep" >/dev/null; then
    echo "test.sh: no \`$lockstep\` here: set LOCKSTEP to the lockstep binary, or to the" \
        "checkout's scripts/lockstep (LOCKSTEP=scripts/lockstep mybot/test.sh)" >&2
    exit 2
fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cat "$here/bot.py" "$here/bot_test.py" > "$tmp/bot_test_all.py"
"$lockstep" match "$tmp/bot_test_all.py" idle --ticks 1 --json > "$tmp/result.json"
python3 - "$tmp/result.json" <<'PY'
import json, sys
bot = json.load(open(sys.argv[1]))["players"][0]
for line in bot["log_tail"]:
    if line["tick"] is None:  # init's lines
        print(line["line"].rstrip())
if bot["init"]["kind"] != "ok":
    print(f"test.sh: init failed ({bot['init']})", file=sys.stderr)
    sys.exit(1)
PY
