#!/usr/bin/env bash
# Make sure Debian's Chromium is on this machine for the browser tests (Playwright drives
# it through executable_path; Playwright's own browser download is not used). Installs
# it with the system package manager when /usr/bin/chromium is missing.
set -euo pipefail
CHROMIUM="${DENIALOPS_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
echo "==> Chromium not found at $CHROMIUM: installing it with apt-get" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "error: Chromium installation failed" >&2; exit 1; }
