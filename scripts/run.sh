#!/usr/bin/env bash
# Builds and starts Stint: a local Stint server (SQLite, its own data directory, a demo
# workspace and user created on first start) and the desktop app, signed in to it: the
# agent `stint` (tray, timer, sensors, sync), which opens the window (`stint-window`, its own
# process) and runs until Quit. Installs what is missing first. Extra arguments go to `stint`.
#
#   STINT_DATA_DIR / STINT_CONFIG_DIR  the app's data (default: the platform's directories)
#   STINT_DEMO_SERVER_DIR              the demo server's data (default: ~/.cache/stint/demo-server)
#   STINT_DEMO_SERVER_LISTEN           where it listens (default: 127.0.0.1:8400)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

ensure_packages "${BUILD_PACKAGES[@]}" "${RUN_PACKAGES[@]}"
ensure_rust
build_ui
say "building Stint (release: what a user runs)"
cargo build --release --locked -p stint-server -p stint-agent -p stint-app

server_dir="${STINT_DEMO_SERVER_DIR:-$STINT_CACHE/demo-server}"
listen="${STINT_DEMO_SERVER_LISTEN:-127.0.0.1:8400}"
bin="$CARGO_TARGET_DIR/release"
mkdir -p "$server_dir"
if [ ! -s "$server_dir/demo.key" ]; then
    say "creating the demo workspace and user (demo@stint.local)"
    (umask 077 && "$bin/stint-server" user add --data-dir "$server_dir" --workspace Demo \
        --email demo@stint.local --name "Demo User" --role admin | tail -n 1 > "$server_dir/demo.key")
fi

say "starting the Stint server on $listen (data in $server_dir)"
"$bin/stint-server" serve --data-dir "$server_dir" --listen "$listen" > "$server_dir/server.out" 2> "$server_dir/server.log" &
server_pid=$!
trap 'kill -TERM $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    grep -q '^listening on ' "$server_dir/server.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || die "the server did not start: $(tail -n 3 "$server_dir/server.log")"
    sleep 0.1
done

say "starting Stint"
STINT_SIGN_IN_SERVER="$(sed -n 's/^listening on //p' "$server_dir/server.out")" \
STINT_SIGN_IN_KEY="$(cat "$server_dir/demo.key")" \
    "$bin/stint" "$@"
