#!/usr/bin/env bash
# Installs the Debian packages Bailiff needs beyond Node.js and npm. Today: none are required by the engine, the
# CLI or the tests. Later capabilities add theirs here (chromium for the dashboard's browser tests, nats-server for
# the scale-out journal), and .ci/run calls this script, so a fresh machine gets exactly what the project needs.
set -euo pipefail

PACKAGES=()

if [ "${#PACKAGES[@]}" -eq 0 ]; then
  echo "setup-debian: no Debian packages needed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
