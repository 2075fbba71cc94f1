# Tend's set-up, shared by scripts/run and scripts/test: installs what is missing, idempotently,
# and is quick when everything is present. Sourced, not run.
# Usage: . scripts/setup.sh [--for-tests]

set -euo pipefail

TEND_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TEND_ROOT

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# One cargo target directory outside the clone, reused by every clone and by CI's warm runs.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tend/target}"
export PATH="$HOME/.cargo/bin:$PATH"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to install system packages: run as root or install sudo"
  fi
}

# Debian/Ubuntu packages: the WebKitGTK webview, D-Bus (Bluetooth and keychain), and test tools.
APT_PACKAGES=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev libdbus-1-dev dbus gnome-keyring keyutils)
# xdotool: types a path into GTK's Open dialog as a person would (Settings → Import end to end).
# dunst: a real notification daemon for the test that reminders reach org.freedesktop.Notifications.
# poppler-utils: pdfinfo, pdffonts, pdftotext check the clinic report PDF (crates/report tests).
# qemu-system-x86, mmdebstrap, e2fsprogs, xz-utils: the real-BlueZ group builds a Debian guest once
# (crates/bluez-vm) and boots it under QEMU.
# python3-pip: scripts/check-mobile fetches Zig's C compiler (PyPI's ziglang) for the phone check.
APT_TEST_PACKAGES=(xvfb xauth xdotool webkit2gtk-driver dunst poppler-utils qemu-system-x86 mmdebstrap e2fsprogs xz-utils
  python3-pip)

install_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  command -v apt-get >/dev/null || die "missing system packages (${missing[*]}) and no apt-get to install them"
  say "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  # A first install can stop half-way ("cannot access archive"); a second run finishes it.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

check_toolchains() {
  command -v cargo >/dev/null || die "Rust is not installed: install it with rustup (Rust 1.92 or newer), then run this again"
  if ! command -v npm >/dev/null; then
    install_apt nodejs npm
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 18 ] || die "Node.js $(node --version) is too old: Tend's UI build needs Node 18 or newer"
}

# npm packages exactly as a committed package-lock.json pins them, reinstalled only when the lock
# changed. `npm ci` never writes the lock: it installs this platform's packages from it (the lock
# lists every platform's optional builds, as npm writes it from a registry that serves them all) and
# fails if package.json and the lock disagree.
install_npm_packages() {
  local dir="$1" what="$2"
  local stamp="$dir/node_modules/.tend-lock-stamp"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "npm: installing $what"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}

# A cargo-installed tool, unless already on PATH.
install_cargo_tool() {
  local binary="$1" crate="$2" version="$3"
  command -v "$binary" >/dev/null && return
  say "Installing $crate"
  cargo install "$crate" --version "$version" --locked --quiet
}

build_ui() {
  say "Building the UI"
  (cd "$TEND_ROOT/ui" && npm run --silent build)
}

install_apt "${APT_PACKAGES[@]}"
check_toolchains
if [ "${1:-}" = "--for-tests" ]; then
  install_apt "${APT_TEST_PACKAGES[@]}"
  # tauri-driver bridges WebDriver to the app's webview (2.x: crates.io's newest is a 3.0 alpha).
  install_cargo_tool tauri-driver tauri-driver '^2'
  install_cargo_tool cargo-fuzz cargo-fuzz '^0.13'
  # The loopback FHIR R4 server the sharing tests start (Medplum's router on Node 22, FHIR.js).
  install_npm_packages "$TEND_ROOT/tests/fhir-server" "the FHIR test server's packages"
fi
install_npm_packages "$TEND_ROOT/ui" "the UI's packages"
