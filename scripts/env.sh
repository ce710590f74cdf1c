# Sourced by the scripts: puts the project's pinned tools first on PATH.
# npm's binaryen (wasm-opt version_132) must win over any other wasm-opt (Debian's 108 breaks the app).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# One target dir for the whole workspace, native and wasm (compiling on 2 cores is slow).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# The toolchain of the release wasm only (scripts/wasm-release): a pinned nightly, for the
# standard library rebuilt for size with panics that trap without formatting a message
# (everything the PWA downloads ≈ 11 % smaller, measured in scripts/wasm-release). Tests, clippy
# and the server use the stable toolchain. scripts/setup installs it (rustup, ≈ 20 s).
export WASM_TOOLCHAIN=nightly-2026-05-20
