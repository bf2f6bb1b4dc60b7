#!/usr/bin/env bash
# `npm run setup`: installs the system packages Tillstream's demo and tests use beyond Node.
# The list is tools/prerequisites.mjs (the same one `npm test` checks first); .ci/run calls
# this script, so there is one list. Debian/Ubuntu with apt, as root or with sudo; elsewhere
# it says what to install. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a PACKAGES <<<"$(node tools/prerequisites.mjs apt-packages)"

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: no apt here. Install these with your package manager, then run npm ci:"
  echo "  ${PACKAGES[*]}   (Debian package names; on macOS: brew install socat zbar hledger ledger beancount libusb, and Chromium or Chrome)"
  node tools/prerequisites.mjs check && exit 0 || exit 1
fi

# Ubuntu ships Chromium as chromium-browser (a snap wrapper); Debian as chromium.
if grep -qi '^ID=ubuntu' /etc/os-release 2>/dev/null; then
  for i in "${!PACKAGES[@]}"; do [ "${PACKAGES[$i]}" = chromium ] && PACKAGES[$i]=chromium-browser; done
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: every system package is installed"
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
  SUDO=(sudo) # asks for the password on this terminal
else
  echo "setup: missing ${missing[*]}; installing needs root. Run:"
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi
echo "setup: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
