#!/usr/bin/env bash
# Builds this bot into one Lockstep wasm module.
#   ./build.sh            -> <this folder's name>.wasm, in this folder
#   ./build.sh OUT.wasm   -> OUT.wasm (relative to where you run it)
#   ./build.sh --test     -> cargo test: the bot's own tests, natively
# Needs rustup (https://rustup.rs): rust-toolchain.toml names the toolchain
# and the wasm32-unknown-unknown target, installed on first use.
set -euo pipefail

kit="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
name="$(basename "$kit")"
target=wasm32-unknown-unknown

die() {
    echo "build.sh: $*" >&2
    exit 1
}

out=""
for arg in "$@"; do
    case "$arg" in
        --test) (cd "$kit" && cargo test) || die "the tests failed (above)"; exit 0 ;;
        -*) die "unknown option '$arg': use ./build.sh [OUT.wasm] or ./build.sh --test" ;;
        *) [ -z "$out" ] || die "one OUT at most (got '$out' and '$arg')"; out="$arg" ;;
    esac
done
# OUT is relative to where build.sh was run from, not to this folder.
case "$out" in
    "") out="$kit/$name.wasm" ;;
    /*) ;;
    *) out="$PWD/$out" ;;
esac

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs), then run this again"
cd "$kit"
if command -v rustup >/dev/null && ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    echo "build.sh: adding the $target target (rustup target add $target)" >&2
    rustup target add "$target" || die "could not add the $target target: run 'rustup target add $target'"
fi

# [profile.release] in Cargo.toml is the small, fast bot profile.
cargo build --release --target "$target"

package=$(sed -n 's/^name *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)
built="${CARGO_TARGET_DIR:-target}/$target/release/${package//-/_}.wasm"
[ -f "$built" ] || die "cargo finished but $built is missing (is [lib] crate-type still \"cdylib\"?)"
mkdir -p "$(dirname "$out")"
cp "$built" "$out"
echo "wrote $out ($(wc -c <"$out" | tr -d ' ') bytes)"
