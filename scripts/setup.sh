# Shared by scripts/run.sh and scripts/test.sh: installs what is missing, quickly when all
# is there. Sourced, not run.

STINT_CACHE="${STINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stint}"
# Build artifacts live outside the clone so that a fresh clone rebuilds only Stint's crates.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$STINT_CACHE/target}"
# s3-venv after venv: its python3 must not shadow the one with requests and pypdf.
export PATH="$STINT_CACHE/tools/bin:$STINT_CACHE/venv/bin:$STINT_CACHE/s3-venv/bin:$HOME/.cargo/bin:$PATH"

TAURI_DRIVER_VERSION=2.1.0
SCHEMATHESIS_VERSION=4.32.5
# The HTTP library the Clockify-client compatibility test drives the API with.
REQUESTS_VERSION=2.34.2
PYPDF_VERSION=5.1.0
MOTO_VERSION=5.0.28
FLASK_VERSION=3.1.3
FLASK_CORS_VERSION=6.0.5
# Platform code is checked for Windows (with Debian's mingw-w64 for the C parts) and macOS
# (C through zig, from PyPI, via cargo-zigbuild); only a check is possible from here.
CROSS_TARGETS=(x86_64-pc-windows-gnu aarch64-apple-darwin)
ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1
# Builds the Debian packages (scripts/package.sh).
CARGO_DEB_VERSION=3.8.0
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

# Debian packages to build the app, and to run it.
# xcap (screen capture) links PipeWire, GBM, EGL, Wayland and XCB; bindgen needs libclang.
BUILD_PACKAGES=(build-essential pkg-config libwebkit2gtk-4.1-dev
    libpipewire-0.3-dev libclang-dev libgbm-dev libegl-dev libwayland-dev libxcb1-dev)
RUN_PACKAGES=(libayatana-appindicator3-1 fonts-dejavu-core)
# What cargo-deb needs to work out the packages' library dependencies (dpkg-shlibdeps).
PACKAGE_PACKAGES=(dpkg-dev)
# What the tests start: an X server, a window manager, a session bus, WebDriver, X tools,
# and the Wayland sessions (sway, mutter, GNOME Shell with its screenshot portal).
TEST_PACKAGES=(xvfb xauth openbox dbus-daemon webkit2gtk-driver x11-utils xdotool wmctrl
    tigervnc-standalone-server chromium sway wtype mutter gnome-shell xdg-desktop-portal
    xdg-desktop-portal-gnome dbus-bin python3 postgresql desktop-file-utils)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $* (no sudo found)"; fi
}

ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        ensure_packages nodejs npm
    fi
    local version major minor
    version="$(node --version | tr -d v)"
    major="${version%%.*}"; minor="${version#*.}"; minor="${minor%%.*}"
    if [ "$major" -lt "$NODE_MIN_MAJOR" ] || { [ "$major" -eq "$NODE_MIN_MAJOR" ] && [ "$minor" -lt "$NODE_MIN_MINOR" ]; }; then
        die "the UI build (Vite) needs Node.js $NODE_MIN_MAJOR.$NODE_MIN_MINOR or newer; this machine has $version"
    fi
}

ensure_rust() {
    command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup first"
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
    cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
}

ensure_nextest() {
    cargo nextest --version >/dev/null 2>&1 && return 0
    say "installing cargo-nextest"
    env -u CARGO_TARGET_DIR cargo install --locked cargo-nextest --root "$STINT_CACHE/tools"
}

ensure_cargo_deb() {
    if cargo deb --version 2>/dev/null | grep -q "$CARGO_DEB_VERSION"; then
        return 0
    fi
    say "installing cargo-deb $CARGO_DEB_VERSION"
    env -u CARGO_TARGET_DIR cargo install --locked "cargo-deb@$CARGO_DEB_VERSION" --root "$STINT_CACHE/tools"
}

ensure_tauri_driver() {
    if tauri-driver --help 2>&1 | grep -q "tauri-driver" && [ -f "$STINT_CACHE/tools/.tauri-driver-$TAURI_DRIVER_VERSION" ]; then
        return 0
    fi
    say "installing tauri-driver $TAURI_DRIVER_VERSION"
    env -u CARGO_TARGET_DIR cargo install --locked "tauri-driver@$TAURI_DRIVER_VERSION" --root "$STINT_CACHE/tools"
    touch "$STINT_CACHE/tools/.tauri-driver-$TAURI_DRIVER_VERSION"
}

# schemathesis (PyPI) in a virtualenv of its own, for the API fuzz test, requests for
# the Clockify-client compatibility test and pypdf to read the reports' PDFs back.
ensure_schemathesis() {
    if "$STINT_CACHE/venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" \
        && "$STINT_CACHE/venv/bin/pip" show requests 2>/dev/null | grep -qx "Version: $REQUESTS_VERSION" \
        && "$STINT_CACHE/venv/bin/pip" show pypdf 2>/dev/null | grep -qx "Version: $PYPDF_VERSION"; then
        return 0
    fi
    say "installing schemathesis $SCHEMATHESIS_VERSION, requests $REQUESTS_VERSION and pypdf $PYPDF_VERSION"
    command -v python3 >/dev/null || ensure_packages python3
    python3 -m venv "$STINT_CACHE/venv" 2>/dev/null || { ensure_packages python3-venv; python3 -m venv "$STINT_CACHE/venv"; }
    "$STINT_CACHE/venv/bin/pip" install --quiet --disable-pip-version-check \
        "schemathesis==$SCHEMATHESIS_VERSION" "requests==$REQUESTS_VERSION" "pypdf==$PYPDF_VERSION"
}

# An S3-compatible server for the blob store tests: moto's server, in a virtualenv of its
# own (its dependencies must not move schemathesis's).
ensure_s3_server() {
    if "$STINT_CACHE/s3-venv/bin/pip" show moto 2>/dev/null | grep -qx "Version: $MOTO_VERSION" \
        && [ -x "$STINT_CACHE/s3-venv/bin/moto_server" ]; then
        return 0
    fi
    say "installing moto $MOTO_VERSION (an S3-compatible server for the tests)"
    command -v python3 >/dev/null || ensure_packages python3
    python3 -m venv "$STINT_CACHE/s3-venv" 2>/dev/null || { ensure_packages python3-venv; python3 -m venv "$STINT_CACHE/s3-venv"; }
    "$STINT_CACHE/s3-venv/bin/pip" install --quiet --disable-pip-version-check \
        "moto[s3]==$MOTO_VERSION" "flask==$FLASK_VERSION" "flask-cors==$FLASK_CORS_VERSION"
}

# rustup targets, the Windows C cross compiler and zig for `cargo zigbuild check`.
# A throwaway PostgreSQL cluster for the server tests' second pass (issue 17): initdb in a
# temporary directory, a Unix socket there only, stopped and removed when the script exits.
# Exports STINT_TEST_POSTGRES, the address each test server makes its own database in.
start_test_postgres() {
    local bin dir runas=()
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -x "$bin/postgres" ] || die "PostgreSQL is not installed (Debian's postgresql package)"
    dir="$(mktemp -d)"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$dir"
        runas=(runuser -u postgres --)
    fi
    "${runas[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null \
        || die "initdb failed"
    "${runas[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
        -o "-k $dir -c listen_addresses= -c fsync=off -c max_connections=300 -p 5432" start >/dev/null \
        || { cat "$dir/log" >&2; die "PostgreSQL did not start"; }
    # shellcheck disable=SC2064
    trap "${runas[*]} '$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1; rm -rf '$dir'" EXIT
    export STINT_TEST_POSTGRES="host=$dir port=5432 user=postgres"
}

ensure_cross_targets() {
    local installed target
    installed="$(rustup target list --installed)"
    for target in "${CROSS_TARGETS[@]}"; do
        grep -qx "$target" <<<"$installed" || rustup target add "$target"
    done
    ensure_packages gcc-mingw-w64-x86-64
    ensure_schemathesis
    if ! "$STINT_CACHE/venv/bin/pip" show ziglang cargo-zigbuild 2>/dev/null \
        | grep -q "^Version: $CARGO_ZIGBUILD_VERSION"; then
        say "installing zig and cargo-zigbuild"
        "$STINT_CACHE/venv/bin/pip" install --quiet --disable-pip-version-check \
            "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION"
    fi
}

# Installs the UI's npm packages when package-lock.json changed, then builds ui/dist, which
# the app embeds at compile time.
# playwright-core (no browser download: the tests drive Debian's chromium) for the server's
# web page tests.
ensure_browser_tests() {
    ensure_node
    local dir=crates/stint-server/tests/browser
    local stamp=$dir/node_modules/.stint-lock
    if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
        say "installing the browser tests' npm packages"
        (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
        cp "$dir/package-lock.json" "$stamp"
    fi
}

build_ui() {
    ensure_node
    local stamp=ui/node_modules/.stint-lock
    if [ ! -f "$stamp" ] || ! cmp -s ui/package-lock.json "$stamp"; then
        say "installing the UI's npm packages"
        (cd ui && npm ci --no-audit --no-fund)
        cp ui/package-lock.json "$stamp"
    fi
    say "building the UI"
    (cd ui && npm run --silent build)
}
