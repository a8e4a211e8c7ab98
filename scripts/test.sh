#!/usr/bin/env bash
# Every check and test of Stint: formatting, lints, then all tests, including the ones that
# start their own X server, window manager, D-Bus and WebDriver. Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}"
ensure_rust
ensure_nextest
ensure_tauri_driver
ensure_cargo_deb
ensure_schemathesis
ensure_s3_server
ensure_cross_targets
ensure_browser_tests
build_ui

say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
say "platform code for Windows and macOS (cargo check)"
# The crates with code for every system; the agent and the window (Unix socket, ksni,
# WebKitGTK) are Linux-only for now.
portable=(-p stint-sensors -p stint-capture -p stint-core -p stint-store -p stint-private -p stint-sync)
cargo check --locked "${portable[@]}" --target x86_64-pc-windows-gnu
cargo-zigbuild check --locked "${portable[@]}" --target aarch64-apple-darwin
say "the privacy boundary: stint-sync cannot reach stint-private"
# DESIGN.md rule 1: the sync code cannot even name the private store.
sync_tree="$(cargo tree --locked -p stint-sync -e normal,build,dev --prefix none)"
if grep -q '^stint-private ' <<<"$sync_tree"; then
    die "stint-sync depends on stint-private (directly or through another crate)"
fi
say "tests"
unset STINT_TEST_POSTGRES
cargo nextest run --workspace --locked --no-fail-fast
say "the server's tests again, on PostgreSQL"
# The same HTTP, web and sync tests, each server on a database of its own in one cluster;
# the tests that open the SQLite file itself or start a cluster of their own stay out.
start_test_postgres
cargo nextest run --locked --no-fail-fast -p stint-server \
    -E 'kind(test) and not binary(/^(migrate|ops|postgres_cluster|faults_storage|transfer)$/)'
