# common.sh — sourced by the CLI tests (tests/cli/*.sh): strict mode, $COLA,
# a temporary directory $tmp removed on exit, and small assertions.
#   need_files F...      exit 77 (skipped) unless every file is readable
#   need_cmd C WHY       exit 77 unless command C exists
#   fail MSG             print FAIL: MSG and exit 1
#   expect_exit CODE MSG CMD...   CMD fails with CODE and MSG is in its stderr
set -euo pipefail

COLA=${COLA:?COLA must point at the cola binary}
# The store commands go through a daemon when one answers at OLLAMA_HOST; the
# tests must never reach one running on this machine (cola's or Ollama's):
# a closed port means "no daemon" (tests that start their own set it).
export OLLAMA_HOST=127.0.0.1:1
S=${COLA_SHARED:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

need_files() {
  local f
  for f in "$@"; do
    if [ ! -r "$f" ]; then
      echo "SKIP: $f absent (shared test data not found)"
      exit 77
    fi
  done
}

need_cmd() {
  if ! command -v "$1" >/dev/null; then
    echo "SKIP: $1 absent ($2)"
    exit 77
  fi
}

expect_exit() {
  local code=$1 msg=$2 rc=0
  shift 2
  "$@" >"$tmp/o" 2>"$tmp/e" </dev/null || rc=$?
  [ "$rc" -eq "$code" ] || fail "$* exited $rc, want $code ($(cat "$tmp/e"))"
  grep -Fq -- "$msg" "$tmp/e" || fail "$*: stderr lacks '$msg': $(cat "$tmp/e")"
}
