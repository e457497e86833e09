#!/usr/bin/env bash
# Installs the Debian 12 packages vigil needs to build and test, if missing.
# Used by scripts/test.sh and scripts/demo.sh; safe to run repeatedly.
set -euo pipefail

PKGS=(build-essential cmake ninja-build ccache pkg-config
      libboost-dev libboost-program-options-dev libspdlog-dev libfmt-dev liblzf-dev libjemalloc-dev
      libgtest-dev libgmock-dev googletest
      redis-tools redis-server python3-redis)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[deps] installing: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
