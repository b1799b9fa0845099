#!/usr/bin/env bash
# setup.sh — install what cola needs on Debian 12 (only what is missing), then
# build it into ./build. Safe to run again: it installs nothing when nothing is
# missing and rebuilds incrementally.
#
#   ./scripts/setup.sh            install packages + release build
#   COLA_NO_INSTALL=1 ./scripts/setup.sh   build only (packages present)
set -euo pipefail
cd "$(dirname "$0")/.."

# DESIGN.md's dependency table (the packages later issues need are added here
# as those issues land).
packages=(
  build-essential cmake pkg-config
  libssl-dev libpcre2-dev libutf8proc-dev libcmocka-dev
  libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev libedit-dev docker-registry
  clang-14 libclang-rt-14-dev
)
# The Jinja acceptance test compares cola with the reference implementation
# @huggingface/jinja, which runs on node (tests/jinja/package.json pins it).
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

if [ -z "${COLA_NO_INSTALL:-}" ]; then
  missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

if [ -z "${COLA_NO_INSTALL:-}" ] && command -v npm >/dev/null 2>&1 &&
   [ ! -f tests/jinja/node_modules/@huggingface/jinja/package.json ]; then
  echo "setup: installing the Jinja oracle (tests/jinja)"
  npm ci --prefix tests/jinja --no-audit --no-fund >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
echo "setup: built $(pwd)/build/cola"
