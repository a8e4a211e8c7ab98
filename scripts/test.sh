#!/usr/bin/env bash
# Every check and test of Stint: formatting, lints, then all tests, including the ones that
# start their own X server, window manager, D-Bus and WebDriver. Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_rust
ensure_nextest
ensure_tauri_driver
ensure_schemathesis
ensure_browser_tests
build_ui

say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
say "tests"
cargo nextest run --workspace --locked --no-fail-fast
