#!/usr/bin/env bash
# Builds and starts the Stint desktop app. Installs what is missing first.
# Extra arguments go to the app. Data goes to the platform's data directory unless
# STINT_DATA_DIR (and STINT_CONFIG_DIR) say otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}"
ensure_rust
build_ui
say "starting Stint"
exec cargo run --locked -p stint-app --bin stint -- "$@"
