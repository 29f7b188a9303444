#!/usr/bin/env bash
# Builds this folder's bot into a Lockstep wasm module.
#
#   ./build.sh [--wasi] [--json] [--test] [OUT]
#
#   (nothing)  freestanding C, no libc, postcard  ->  <folder>.wasm
#   --wasi     linked against Debian's wasi-libc  ->  <folder>-wasi.wasm
#              (printf/fprintf(stderr) become log lines; needs a host with WASI)
#   --json     the JSON codec instead of postcard ->  <folder>-json.wasm
#   --test     first compile and run the codec's native unit test (cc)
#   OUT        where to write the module (default: in this folder, as above)
#
# Works from any directory and under any folder name: the module is named
# after the folder. Needs clang, wasm-ld (lld) and, for --wasi, wasi-libc and
# compiler-rt for wasm32; installs them with apt-get when run as root.
set -euo pipefail

kit="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name="$(basename "$kit")"
src="$kit/src"

fail() {
    echo "build.sh: error: $*" >&2
    exit 1
}

wasi=0 json=0 test=0 out=""
for arg in "$@"; do
    case "$arg" in
        --wasi) wasi=1 ;;
        --json) json=1 ;;
        --test) test=1 ;;
        -h | --help)
            sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*) fail "unknown option '$arg' (try --help)" ;;
        *)
            [ -z "$out" ] || fail "more than one OUT given: '$out' and '$arg'"
            out="$arg"
            ;;
    esac
done

suffix=""
[ "$wasi" = 1 ] && suffix="$suffix-wasi"
[ "$json" = 1 ] && suffix="$suffix-json"
[ -n "$out" ] || out="$kit/$name$suffix.wasm"

# --- toolchain: Debian's clang 14, lld, wasi-libc, compiler-rt for wasm32 ---
packages="clang lld wasi-libc libclang-rt-14-dev-wasm32"
builtins=/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a
toolchain_missing() {
    command -v clang >/dev/null && command -v wasm-ld >/dev/null || return 0
    [ "$wasi" = 0 ] || { [ -f /usr/lib/wasm32-wasi/libc.a ] && [ -f "$builtins" ]; } || return 0
    return 1
}
if toolchain_missing; then
    if [ "$(id -u)" != 0 ]; then
        echo "build.sh: the C toolchain is missing; install it (as root) with:" >&2
        echo "  apt-get install $packages" >&2
        exit 1
    fi
    echo "build.sh: installing $packages with apt-get (a minute or two)..." >&2
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $packages; } >&2 ||
        fail "apt-get could not install $packages"
    toolchain_missing && fail "still missing after apt-get: clang, wasm-ld, or (for --wasi) wasi-libc / $builtins"
fi

# --- the codec's native test: plain cc, same codec source -------------------
if [ "$test" = 1 ]; then
    cc_bin="$(command -v cc || command -v clang)" || fail "--test needs a native C compiler (cc)"
    codec="postcard"
    [ "$json" = 1 ] && codec="json"
    test_bin="$(mktemp "${TMPDIR:-/tmp}/lockstep-codec-test.XXXXXX")"
    trap 'rm -f "$test_bin"' EXIT
    "$cc_bin" -std=c11 -O1 -Wall -Wextra -Werror -I "$src" -o "$test_bin" \
        "$kit/tests/codec_test.c" "$src/$codec.c" "$src/wire.c" ||
        fail "the codec test did not compile"
    "$test_bin" || fail "the $codec codec test failed"
fi

# --- the module ---------------------------------------------------------------
# Why each flag (README.md has the long version):
#   -O2              fast code: fuel is counted per instruction (-Oz is smaller, slower)
#   -mbulk-memory    zeroing/copying arrays becomes memory.fill/memory.copy;
#                    without it clang calls memset/memcpy, which no-libc lacks
#   -Wl,--no-entry   a bot is a library: no main/_start
#   -Wl,--stack-first  the stack sits below the data, so an overflow traps
#                    instead of silently overwriting the bot's globals
#   -Wl,--strip-all  no names/producers sections: a smaller upload
common=(-std=c11 -O2 -Wall -Wextra -mbulk-memory -Wl,--stack-first -Wl,--strip-all)
codec_src="$src/postcard.c"
[ "$json" = 1 ] && codec_src="$src/json.c"
sources=("$src/exports.c" "$codec_src" "$src/wire.c" "$src/map.c" "$src/plan.c" "$src/bot.c")
if [ "$wasi" = 1 ]; then
    # wasm32-wasi: Debian's clang finds wasi-libc's headers and libraries in
    # /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi by itself.
    # -mexec-model=reactor: a library with an `_initialize` export, not a
    # command whose _start would call main() and exit.
    flags=(--target=wasm32-wasi -mexec-model=reactor "${common[@]}")
    sources+=("$src/platform_wasi.c")
else
    # wasm32 with no OS and no libc: the only import is lockstep.log.
    flags=(--target=wasm32 -nostdlib -ffreestanding -Wl,--no-entry "${common[@]}")
    sources+=("$src/platform_freestanding.c")
fi

mkdir -p "$(dirname "$out")" || fail "cannot create the folder of $out"
clang "${flags[@]}" -o "$out" "${sources[@]}" || fail "clang failed to build $out (errors above)"
size=$(wc -c <"$out" | tr -d ' ')
echo "built $out ($size bytes)"
