#!/usr/bin/env bash
# Builds Stint's two Debian packages into dist/ (or OUT_DIR): `stint` (the desktop app: the
# agent, the window and stint-cli, a desktop entry, an autostart entry, icons) and
# `stint-server` (the server, its system user, a systemd unit, /etc/stint-server,
# /var/lib/stint-server). Installs what is missing first (cargo-deb, dpkg-dev).
#
#   scripts/package.sh [OUT_DIR]          release binaries, what users install
#   scripts/package.sh --dev-build OUT    the debug binaries the tests already built, so the
#                                         test command does not build everything twice
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

profile=release
if [ "${1:-}" = "--dev-build" ]; then profile=debug; shift; fi
out="$(realpath -m "${1:-dist}")"

ensure_packages "${BUILD_PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}"
ensure_rust
ensure_cargo_deb
mkdir -p "$out"

binaries=(stint stint-cli stint-window stint-server)
if [ "$profile" = release ]; then
    build_ui
    say "building release binaries"
    cargo build --release --locked -p stint-server -p stint-agent -p stint-app
    target="$CARGO_TARGET_DIR"
else
    # cargo-deb always packages target/release/…: give it a target directory of its own
    # whose release/ holds the debug build's binaries.
    target="$(mktemp -d)"
    trap 'rm -rf "$target"' EXIT
    mkdir -p "$target/release"
    for bin in "${binaries[@]}"; do
        [ -x "$CARGO_TARGET_DIR/debug/$bin" ] || die "$CARGO_TARGET_DIR/debug/$bin is missing: build the workspace's binaries first"
        ln "$CARGO_TARGET_DIR/debug/$bin" "$target/release/$bin" 2>/dev/null \
            || cp "$CARGO_TARGET_DIR/debug/$bin" "$target/release/$bin"
    done
fi

fast=()
[ "$profile" = debug ] && fast=(--fast)
for package in stint-agent stint-server; do
    say "packaging $package"
    CARGO_TARGET_DIR="$target" cargo deb --no-build "${fast[@]}" -p "$package" -o "$out"
done
ls -l "$out"/*.deb
