#!/usr/bin/env bash
# Refreshes pocketpy/ from its one pinned source: pocketpy 2.1.8's
# single-file amalgamation (src/pocketpy.c, include/pocketpy.h) as the PyPI
# sdist `pocketpy-numpy` 0.1.0 carries it. Checks the archive's sha256
# before taking anything from it, then applies Lockstep's three patches,
# each of which must match exactly once.
#
#   runtimes/python/vendor.sh [SDIST]     (then review and commit pocketpy/)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sdist_name=pocketpy_numpy-0.1.0.tar.gz
sha256=4e9e063ecfd1afb3b95c95214d5b3d43867f8a922f339a0c976a5516e06dac3b

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sdist="${1:-}"
if [ -z "$sdist" ]; then
    echo "vendor.sh: downloading $sdist_name from PyPI" >&2
    python3 -m pip download --quiet --no-deps --no-binary pocketpy-numpy \
        "pocketpy-numpy==0.1.0" -d "$work" >&2
    sdist="$work/$sdist_name"
fi
echo "$sha256  $sdist" | sha256sum -c --quiet - ||
    { echo "vendor.sh: error: $sdist does not have the pinned sha256 $sha256" >&2; exit 1; }
tar -xzf "$sdist" -C "$work" pocketpy_numpy-0.1.0/LICENSE pocketpy_numpy-0.1.0/src/pocketpy.c \
    pocketpy_numpy-0.1.0/include/pocketpy.h
rm -rf "$here/pocketpy"
mkdir -p "$here/pocketpy"
cp "$work/pocketpy_numpy-0.1.0/LICENSE" "$work/pocketpy_numpy-0.1.0/src/pocketpy.c" \
    "$work/pocketpy_numpy-0.1.0/include/pocketpy.h" "$here/pocketpy/"
python3 - "$here/pocketpy/pocketpy.c" <<'PY'
import sys
path = sys.argv[1]
s = open(path).read()

def patch(name, old, new):
    global s
    if s.count(old) != 1:
        sys.exit(f"vendor.sh: error: patch {name} no longer applies to pocketpy.c")
    s = s.replace(old, new)

# 1. A pocketpy bug: `import a, b` reused its string buffer after handing it
#    over, which lost the first bytes of every later name.
old = """    c11_string *path = c11_sbuf__submit(buf);
    int path_index = Ctx__add_const_string(ctx(), c11_string__sv(path));
    c11_string__delete(path);
"""
patch("1 (import a, b)", old, old + "    c11_sbuf__ctor(buf); /* lockstep patch 1 */\n")
# 2. The watchdog's test before every bytecode reads the clock, a 500-fuel
#    host call: a countdown kept by the glue reads it every few bytecodes.
patch("2 (the watchdog's countdown)",
      """  if (self->watchdog_info.max_reset_time > 0) {
    if (py_debugger_status() == 0 &&
        clock() > self->watchdog_info.max_reset_time) {""",
      """  if (--lockstep_countdown < 0 && self->watchdog_info.max_reset_time > 0) { /* lockstep patch 2 */
    if (clock() > self->watchdog_info.max_reset_time) {""")
# 3. Python called from C (__eq__, sort keys) nests interpreter loops: a
#    RecursionError also when the shadow stack runs low (the glue's guard).
patch("3 (the C stack guard)",
      """__NEXT_FRAME:
  if (self->recursion_depth >= self->max_recursion_depth) {""",
      """__NEXT_FRAME:
  if (self->recursion_depth >= self->max_recursion_depth || lockstep_stack_low()) { /* lockstep patch 3 */""")
open(path, "w").write(s)
PY
echo "vendor.sh: pocketpy 2.1.8 into $here/pocketpy (three patches)" >&2
