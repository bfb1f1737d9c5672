#!/usr/bin/env bash
# Installs what ISMS Desk needs to build and test on Debian or Ubuntu: the WebKitGTK
# development files for the Tauri shell, a virtual display for window tests, git, the
# OpenSSL headers git2 needs for https/ssh transports, OpenSSH (ssh-keygen,
# ssh-agent) for the signing tests, and poppler-utils and qpdf, the independent tools
# the report tests check PDFs with (pdftotext, pdffonts, pdfinfo, pdftoppm, qpdf).
# Safe to run twice: it installs only what is missing.
set -euo pipefail

packages=(build-essential pkg-config git libssl-dev openssh-client libwebkit2gtk-4.1-dev xvfb xauth x11-utils poppler-utils qpdf)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is not installed; install it with rustup (https://rustup.rs) and run again" >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
