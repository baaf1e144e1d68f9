#!/usr/bin/env bash
# Installs the Debian packages Bailiff needs beyond Node.js and npm: chromium, which the dashboard's browser test
# (test/dashboard/) drives through playwright-core at /usr/bin/chromium; nats-server, the JetStream server the
# journal's replication tests start (test/support/nats.ts; in production it runs wherever the operator runs it). The
# engine, the CLI and the service need neither. .ci/run calls this script, so a fresh machine gets exactly what the
# project needs. Idempotent: packages already installed are not fetched again,
# and when all are present the script returns at once without touching apt.
set -euo pipefail

PACKAGES=(chromium nats-server)

missing=()
for package in "${PACKAGES[@]}"; do
  # dpkg-query answers "install ok installed" only for a package that is fully installed.
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-debian: already installed: ${PACKAGES[*]}"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup-debian: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
