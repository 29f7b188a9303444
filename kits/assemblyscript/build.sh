#!/usr/bin/env bash
# Builds this folder's AssemblyScript bot into a Lockstep wasm module.
#
#   ./build.sh [--test] [OUT]
#
#   OUT      where to write the module (default: <folder name>.wasm, here)
#   --test   first run the codec and strategy checks (tests/) in Node
#
# Works from any directory and under any folder name: the module is named
# after the folder. Uses AssemblyScript 0.28.20 from $LOCKSTEP_TOOLCHAINS/npm
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/lockstep/toolchains), installing
# it there with npm if it is missing; ASC=/path/to/asc overrides. Needs
# Node.js 18 or later.
set -euo pipefail

asc_version=0.28.20
kit="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name="$(basename "$kit")"

fail() {
    echo "build.sh: error: $*" >&2
    exit 1
}

test=0 out=""
for arg in "$@"; do
    case "$arg" in
        --test) test=1 ;;
        -h | --help)
            sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*) fail "unknown option '$arg' (try --help)" ;;
        *)
            [ -z "$out" ] || fail "more than one OUT given: '$out' and '$arg'"
            out="$arg"
            ;;
    esac
done
[ -n "$out" ] || out="$kit/$name.wasm"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

# --- toolchain: the assemblyscript package from npm, in a folder of our own --
command -v node >/dev/null || fail "node is missing: install Node.js 18 or later (https://nodejs.org)"
toolchains="${LOCKSTEP_TOOLCHAINS:-${XDG_CACHE_HOME:-$HOME/.cache}/lockstep/toolchains}"
asc="${ASC:-$toolchains/npm/node_modules/.bin/asc}"
if [ ! -x "$asc" ]; then
    [ -z "${ASC:-}" ] || fail "ASC=$ASC is not an executable"
    command -v npm >/dev/null ||
        fail "asc is missing and so is npm to install it (npm install assemblyscript@$asc_version)"
    echo "build.sh: installing AssemblyScript $asc_version into $toolchains/npm with npm (about 100 MB, under a minute)..." >&2
    mkdir -p "$toolchains/npm" || fail "cannot create $toolchains/npm"
    npm install --prefix "$toolchains/npm" --no-audit --no-fund --loglevel=error \
        "assemblyscript@$asc_version" >&2 ||
        fail "npm could not install assemblyscript@$asc_version into $toolchains/npm"
    [ -x "$asc" ] || fail "npm ran but $asc is not there"
fi
have="$("$asc" --version 2>/dev/null)" || fail "$asc does not run"
# Another compiler version compiles other bytes: the module's hash changes.
[ "$have" = "Version $asc_version" ] ||
    echo "build.sh: warning: asc says '$have'; this kit is tested with $asc_version" >&2

# Why each flag (README.md has the long version):
#   -O                 optimise for speed: fuel counts instructions, and -O
#                      costs a quarter less fuel than -Osize for 3 KB more
#   --runtime minimal  the allocator and a garbage collector that runs only
#                      when called: index.ts calls __collect() at the end of
#                      each call. The default runtime (incremental) doubles
#                      both the code and the fuel.
# Failed checks (index out of range, null) call AssemblyScript's default
# abort, the import env.abort, which the host turns into a trap that names
# the message. --use abort=assembly/log/abortToLog builds without that import.
flags=(-O --runtime minimal)
cd "$kit" # sources by relative path: the module never says where it was built

# --- the checks: a test module run in Node -----------------------------------
if [ "$test" = 1 ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$asc" tests/codec.ts "${flags[@]}" -o "$tmp/tests.wasm" || fail "the tests did not compile (errors above)"
    node tests/run.mjs "$tmp/tests.wasm" || fail "the checks failed (see above)"
fi

# --- the module ----------------------------------------------------------------
mkdir -p "$(dirname "$out")" || fail "cannot create the folder of $out"
"$asc" assembly/index.ts "${flags[@]}" -o "$out" || fail "asc failed to build $out (errors above)"
size=$(wc -c <"$out" | tr -d ' ')
echo "built $out ($size bytes)"
