#!/usr/bin/env bash
# test.sh — the whole test suite, as CI runs it:
#   1. release build with warnings as errors, every ctest test (unit + cli)
#   2. ASan+UBSan build, the unit tests again
#   3. the libFuzzer targets, each for a bounded time (clang-14 needed)
# Tests that need ../shared skip with a message when it is absent.
# Environment: COLA_FUZZ_SECONDS (default 30 per target), COLA_SKIP_ASAN=1,
# COLA_SKIP_FUZZ=1 to shorten a local run (CI runs everything).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

echo "== release build (-Werror) + all tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCOLA_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

if [ -z "${COLA_SKIP_ASAN:-}" ]; then
  echo "== ASan+UBSan build + unit tests"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCOLA_WERROR=ON -DCOLA_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan -L unit --output-on-failure -j"$jobs"
fi

if [ -z "${COLA_SKIP_FUZZ:-}" ]; then
  if command -v clang-14 >/dev/null 2>&1; then
    echo "== fuzz targets (${COLA_FUZZ_SECONDS:-30} s each)"
    cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DCOLA_FUZZ=ON -DCOLA_SANITIZE=ON -DCOLA_WERROR=ON >/dev/null
    cmake --build build-fuzz -j"$jobs"
    for f in build-fuzz/tests/fuzz_*; do
      [ -x "$f" ] || continue
      name=$(basename "$f")
      seeds="tests/fuzz/corpus/${name#fuzz_}"
      work=$(mktemp -d)
      [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/
      echo "-- $name"
      if ! "$f" -max_total_time="${COLA_FUZZ_SECONDS:-30}" -rss_limit_mb=2048 -timeout=10 \
           -print_final_stats=1 "$work" >"$work.log" 2>&1; then
        grep -v '^#' "$work.log" | head -n 40
        echo "== $name found a failure (the input is in crash-*/leak-*/timeout-* here)"
        rm -rf "$work" "$work.log"
        exit 1
      fi
      tail -n 4 "$work.log"
      rm -rf "$work" "$work.log"
    done
  else
    echo "== fuzz targets skipped: clang-14 not installed (scripts/setup.sh installs it)"
  fi
fi
echo "== all tests passed"
