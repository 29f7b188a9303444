#!/usr/bin/env bash
# Builds this folder's bot into a Lockstep wasm module.
#
#   ./build.sh [--json] [--test] [OUT]
#
#   (nothing)  postcard codec                     ->  <folder>.wasm
#   --json     the JSON codec (std.json) instead  ->  <folder>-json.wasm
#   --test     first run the codec's unit tests (zig test, native)
#   OUT        where to write the module (default: in this folder, as above)
#
# Works from any directory and under any folder name: the module is named
# after the folder. Uses Zig 0.17.1 from $LOCKSTEP_TOOLCHAINS/pip (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/lockstep/toolchains), installing it there
# with pip if it is missing; ZIG=/path/to/zig overrides. Zig's caches go to
# $LOCKSTEP_TOOLCHAINS/zig-cache, never into this folder.
set -euo pipefail

kit="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name="$(basename "$kit")"
zig_version=0.17.1

fail() {
    echo "build.sh: error: $*" >&2
    exit 1
}

json=0 test=0 out=""
for arg in "$@"; do
    case "$arg" in
        --json) json=1 ;;
        --test) test=1 ;;
        -h | --help)
            sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*) fail "unknown option '$arg' (try --help)" ;;
        *)
            [ -z "$out" ] || fail "more than one OUT given: '$out' and '$arg'"
            out="$arg"
            ;;
    esac
done
root="$kit/src/main.zig"
if [ "$json" = 1 ]; then
    root="$kit/src/main_json.zig"
    [ -n "$out" ] || out="$kit/$name-json.wasm"
fi
[ -n "$out" ] || out="$kit/$name.wasm"

# --- toolchain: the ziglang wheel from PyPI, in a folder of our own --------
toolchains="${LOCKSTEP_TOOLCHAINS:-${XDG_CACHE_HOME:-$HOME/.cache}/lockstep/toolchains}"
zig="${ZIG:-$toolchains/pip/ziglang/zig}"
if [ ! -x "$zig" ]; then
    [ -z "${ZIG:-}" ] || fail "ZIG=$ZIG is not an executable"
    python="$(command -v python3 || command -v python)" ||
        fail "zig is missing and so is python3 to install it (pip install ziglang==$zig_version)"
    echo "build.sh: installing zig $zig_version into $toolchains/pip with pip (about 50 MB, a minute)..." >&2
    mkdir -p "$toolchains/pip" || fail "cannot create $toolchains/pip"
    "$python" -m pip install --disable-pip-version-check --target "$toolchains/pip" "ziglang==$zig_version" >&2 ||
        fail "pip could not install ziglang==$zig_version into $toolchains/pip"
    [ -x "$zig" ] || fail "pip ran but $zig is not there"
fi
have="$("$zig" version 2>/dev/null)" || fail "$zig does not run"
[ "$have" = "$zig_version" ] ||
    echo "build.sh: warning: zig $have, this kit is tested with $zig_version" >&2
cache=(--cache-dir "$toolchains/zig-cache" --global-cache-dir "$toolchains/zig-cache")

# --- the codecs' unit tests: native, same source -----------------------------
if [ "$test" = 1 ]; then
    "$zig" test "$kit/src/codec_test.zig" "${cache[@]}" || fail "the codec tests failed"
fi

# --- the module ---------------------------------------------------------------
# Why each flag (README.md has the long version):
#   -target wasm32-freestanding  a core module with no OS: no WASI imports
#   -fno-entry       a bot is a library: no main/_start (else: "entry symbol
#                    not defined: _start")
#   -rdynamic        export the `export fn`s (else the module exports only
#                    `memory` and the host refuses it: "missing export ...")
#   -O ReleaseFast   fast code: fuel is counted per instruction
#   -fstrip          no debug sections: 134 KB -> 27 KB
mkdir -p "$(dirname "$out")" || fail "cannot create the folder of $out"
[ -d "$toolchains/zig-cache" ] || echo "build.sh: first build: zig compiles its runtime too (about 10 s)..." >&2
"$zig" build-exe "$root" -target wasm32-freestanding -fno-entry -rdynamic -O ReleaseFast -fstrip \
    "${cache[@]}" -femit-bin="$out" || fail "zig failed to build $out (errors above)"
size=$(wc -c <"$out" | tr -d ' ')
echo "built $out ($size bytes)"
