#!/bin/sh
# The benchmark suite of issue 11 (`make bench`): Go benchmarks over generated collections of
# 10k and 100k notes, the floors (sqlite3, raw loopback copy) and the outside tools (npm
# anki-reader, anki-apkg-export) in the same run, then the table of docs/benchmarks.md.
#
# Environment:
#   DECKHAND_BENCH_NOTES  sizes, default 10000,100000
#   DECKHAND_BENCH_DIR    cache of generated collections (default ~/.cache/deckhand-bench)
#   BENCH                 -bench pattern (default .), BENCH_COUNT runs of each (default 3)
#   BENCH_OUT             results folder (default bench/out: raw.txt, report.md, machine.txt)
# Benchmarks are never part of `make test`; they assert nothing about time.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
OUT=${BENCH_OUT:-bench/out}
COUNT=${BENCH_COUNT:-3}
export DECKHAND_BENCH_DIR="${DECKHAND_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/deckhand-bench}"
mkdir -p "$OUT" "$DECKHAND_BENCH_DIR"

# Outside tools: installed from the npm registry into bench/node/node_modules (git-ignored).
# Without Node or npm their benchmarks are skipped, and the report says so.
if [ ! -d bench/node/node_modules ] && command -v npm >/dev/null 2>&1; then
	(cd bench/node && npm install --no-audit --no-fund --no-package-lock) ||
		echo "bench: npm install failed; the outside-tool benchmarks will be skipped" >&2
fi
command -v sqlite3 >/dev/null 2>&1 || echo "bench: sqlite3 missing (apt-get install sqlite3); the floors will be skipped" >&2

{
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2-) x $(nproc 2>/dev/null)"
	echo "memory: $(free -h 2>/dev/null | awk '/^Mem:/ {print $2}')"
	echo "os: $(uname -sr)"
	echo "go: $($GO version)"
	echo "load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
} > "$OUT/machine.txt"

# -p 1: one package's benchmarks at a time, so they do not compete with each other.
$GO test -tags ci -p 1 -run '^$' -bench "${BENCH:-.}" -count "$COUNT" -timeout 240m \
	./bench/ ./importers/apkg/ ./sync/server/ | tee "$OUT/raw.txt"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >> "$OUT/machine.txt"
$GO run ./bench/report < "$OUT/raw.txt" > "$OUT/report.md"
cat "$OUT/machine.txt" "$OUT/report.md"
