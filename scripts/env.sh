# Sourced by the scripts: puts the project's pinned tools first on PATH.
# npm's binaryen (wasm-opt version_132) must win over any other wasm-opt (Debian's 108 breaks the app).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# One target dir for the whole workspace, native and wasm (compiling on 2 cores is slow).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
