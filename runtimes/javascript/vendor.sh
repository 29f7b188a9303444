#!/usr/bin/env bash
# Refreshes quickjs/ from its one pinned source: the QuickJS-ng C sources that
# the crate rquickjs-sys 0.14.0 carries (QuickJS-ng 0.16.2), from crates.io.
# Checks the archive's sha256 before taking anything from it, and copies only
# the files the runtime compiles (see runtimes/README.md).
#
#   runtimes/javascript/vendor.sh          (then review and commit quickjs/)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
crate=rquickjs-sys-0.14.0
sha256=cee271d0eeba64f0915b846cb7ae02e16faf3dfdffdca91731101d9d30fe3423
url="https://static.crates.io/crates/rquickjs-sys/$crate.crate"
files=(LICENSE quickjs.c quickjs.h quickjs-atom.h quickjs-opcode.h quickjs-c-atomics.h
    libregexp.c libregexp.h libregexp-opcode.h libunicode.c libunicode.h libunicode-table.h
    dtoa.c dtoa.h cutils.h list.h builtin-array-fromasync.h builtin-iterator-zip.h
    builtin-iterator-zip-keyed.h)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cached=$(ls ~/.cargo/registry/cache/*/"$crate.crate" 2>/dev/null | head -1 || true)
if [ -n "$cached" ]; then
    cp "$cached" "$work/crate.tar.gz"
else
    echo "vendor.sh: downloading $url" >&2
    curl -sSfL -o "$work/crate.tar.gz" "$url"
fi
echo "$sha256  $work/crate.tar.gz" | sha256sum -c --quiet - ||
    { echo "vendor.sh: error: $crate.crate does not have the pinned sha256 $sha256" >&2; exit 1; }
tar -xzf "$work/crate.tar.gz" -C "$work"
rm -rf "$here/quickjs"
mkdir -p "$here/quickjs"
for f in "${files[@]}"; do
    cp "$work/$crate/quickjs/$f" "$here/quickjs/$f"
done
# The changes to QuickJS-ng: its stack limit, which it switches off for
# WASI, stays on under LOCKSTEP (the glue sets it within the module's shadow
# stack), so a deep recursion is a RangeError the script can catch, not a trap.
sed -i 's/^#ifdef __wasi__$/#if defined(__wasi__) \&\& !defined(LOCKSTEP)/; s/^#if defined(__wasi__)$/#if defined(__wasi__) \&\& !defined(LOCKSTEP)/' \
    "$here/quickjs/quickjs.c"
[ "$(grep -c 'defined(__wasi__) && !defined(LOCKSTEP)' "$here/quickjs/quickjs.c")" = 2 ] ||
    { echo "vendor.sh: error: the stack-limit patch no longer applies to quickjs.c" >&2; exit 1; }
# And how often QuickJS polls the interrupt handler (every N calls and
# backward jumps) becomes a build flag: the glue's fuel guard needs a poll
# within a tenth of a tick's budget, and 10,000 loop turns can cost 50 M.
sed -i 's/^#define JS_INTERRUPT_COUNTER_INIT 10000$/#ifndef JS_INTERRUPT_COUNTER_INIT\n#define JS_INTERRUPT_COUNTER_INIT 10000\n#endif/' \
    "$here/quickjs/quickjs.c"
grep -q '^#ifndef JS_INTERRUPT_COUNTER_INIT$' "$here/quickjs/quickjs.c" ||
    { echo "vendor.sh: error: the interrupt-counter patch no longer applies to quickjs.c" >&2; exit 1; }
echo "vendor.sh: copied ${#files[@]} files of $crate into $here/quickjs (two patches)" >&2
