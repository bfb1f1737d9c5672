#!/usr/bin/env bash
# Installs what ISMS Desk needs to build and test on Debian or Ubuntu: the WebKitGTK
# development files for the Tauri shell, a virtual display for window tests, git, the
# OpenSSL headers git2 needs for https/ssh transports, OpenSSH (ssh-keygen,
# ssh-agent) for the signing tests and sshd for the sync test over SSH (the test starts
# its own on a loopback port; the system's SSH service is neither started nor enabled
# here), a private D-Bus session with GNOME Keyring for the test of forge tokens in
# the system keyring (the Secret Service; the test starts its own), and poppler-utils and qpdf, the independent tools
# the report tests check PDFs with (pdftotext, pdffonts, pdfinfo, pdftoppm, qpdf),
# WebKitWebDriver for the end-to-end scenarios, LibreOffice Calc (headless: the
# independent reader and writer the spreadsheet tests check the import and export
# against), tidy and xmllint (the HTML and XML of the published security page are
# checked with them), python3-venv (scripts/oscal-tools.sh installs NIST's OSCAL schemas
# and compliance-trestle into a venv), unzip (the audit pack is unpacked as an auditor
# would), and tauri-driver (from crates.io).
# The screens are built with the machine's Node.js (20.19 or newer) and npm.
# Safe to run twice: it installs only what is missing.
set -euo pipefail

packages=(build-essential pkg-config git libssl-dev libdbus-1-dev openssh-client openssh-server dbus-daemon dbus-bin gnome-keyring libwebkit2gtk-4.1-dev xvfb xauth x11-utils poppler-utils qpdf webkit2gtk-driver libreoffice-calc-nogui tidy libxml2-utils python3-venv unzip)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  installs_sshd=false
  [[ " ${missing[*]} " == *" openssh-server "* ]] && installs_sshd=true
  if $installs_sshd && [ ! -e /usr/sbin/policy-rc.d ]; then
    # Keep the system's SSH service (port 22) from starting while it installs.
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if $installs_sshd && command -v systemctl >/dev/null; then
    $sudo systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is not installed; install it with rustup (https://rustup.rs) and run again" >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then
  echo "setup: Node.js 20.19 or newer is needed to build the screens (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install -q tauri-driver --version "^2" --locked
fi
