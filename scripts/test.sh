#!/bin/bash
# The test suite: formatting, lints, and every test, with the outside
# validators installed first. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-validators.sh
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
# No module imports a module that imports it back (DESIGN.md), in any crate.
for crate in crates/*/src; do
  python3 scripts/module-cycles.py "$crate"
done
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
