#!/usr/bin/env bash
# Whole-process comparison for docs/performance.md, run side by side in one go:
#   eksgen render of a large intent  vs  terraform fmt -check -recursive of its output
#                                    vs  cp -r of its output
# Targets (issue 7): render <= 0.25 x terraform fmt, render <= 5 x cp.
#
# Usage: scripts/bench-whole-process.sh [GROUPS]   (default 200 node groups)
# Env:   EKSGEN_BIN  use this binary instead of building ${CARGO_TARGET_DIR:-target}/release/eksgen
#        RUNS        runs per command (default 30)
# Needs hyperfine (apt-get install -y hyperfine); without it, falls back to a timing loop.
# Needs terraform on PATH for the terraform fmt column (skipped otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

GROUPS_N="${1:-200}"
RUNS="${RUNS:-30}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ -n "${EKSGEN_BIN:-}" ]]; then
  BIN="$EKSGEN_BIN"
else
  cargo build --release --locked --quiet
  BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/eksgen"
fi

# The same intents as benches/pipeline.rs: its head, then ten amd64 Nitro types in turn,
# scaling {1, 1, 2}, 10 pods per node.
TYPES=(m6i.large m6i.xlarge c6i.large c6i.2xlarge r6i.large m5.large c5.xlarge r5.large m7i.large c7i.large)
INTENT="$WORK/bench-large.yaml"
{
  cat benches/intent-head.yaml
  for ((i = 0; i < GROUPS_N; i++)); do
    printf '    - name: g%04d\n      instanceTypes: [%s]\n      scaling: {min: 1, desired: 1, max: 2}\n      podsPerNode: 10\n' \
      "$i" "${TYPES[i % ${#TYPES[@]}]}"
  done
} >"$INTENT"

OUT="$WORK/out"
"$BIN" render -f "$INTENT" -o "$OUT" >/dev/null
FILES=$(find "$OUT" -type f | wc -l)
BYTES=$(du -sb "$OUT" | cut -f1)
TF_FILES=$(find "$OUT" -name '*.tf' | wc -l)

echo "== machine"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
echo "os:     $(uname -sr)"
echo "eksgen: $("$BIN" --version)"
if command -v terraform >/dev/null; then echo "terraform: $(terraform version 2>/dev/null | head -n1)"; fi
command -v hyperfine >/dev/null && echo "hyperfine: $(hyperfine --version)"
echo
echo "== input and output"
echo "intent: $GROUPS_N node groups ($(wc -c <"$INTENT") bytes)"
echo "output: $FILES files ($TF_FILES .tf), $BYTES bytes"
echo

RENDER_CMD="$BIN render -f $INTENT -o $WORK/render"
FMT_CMD="terraform fmt -check -recursive $OUT"
CP_CMD="cp -r $OUT $WORK/copy"

if command -v hyperfine >/dev/null; then
  args=(--warmup 3 --runs "$RUNS" --style basic --export-markdown "$WORK/results.md"
    --prepare "rm -rf $WORK/render" -n "eksgen render" "$RENDER_CMD")
  if command -v terraform >/dev/null; then
    # -i: fmt -check exits 3 when a file is not formatted; the time still counts.
    args+=(--prepare true -n "terraform fmt -check" -i "$FMT_CMD")
  fi
  args+=(--prepare "rm -rf $WORK/copy" -n "cp -r" "$CP_CMD")
  hyperfine "${args[@]}"
  echo
  cat "$WORK/results.md"
else
  echo "hyperfine not found: timing $RUNS runs of each with date +%s%N"
  time_cmd() { # name, prepare, command
    local total=0 start end
    for ((r = 0; r < RUNS; r++)); do
      eval "$2"
      start=$(date +%s%N)
      eval "$3" >/dev/null 2>&1 || true
      end=$(date +%s%N)
      total=$((total + end - start))
    done
    awk -v n="$1" -v t="$total" -v r="$RUNS" 'BEGIN { printf "%-22s mean %8.2f ms\n", n, t / r / 1e6 }'
  }
  time_cmd "eksgen render" "rm -rf $WORK/render" "$RENDER_CMD"
  command -v terraform >/dev/null && time_cmd "terraform fmt -check" ":" "$FMT_CMD"
  time_cmd "cp -r" "rm -rf $WORK/copy" "$CP_CMD"
fi
if command -v terraform >/dev/null; then
  if terraform fmt -check -recursive "$OUT" >/dev/null 2>&1; then
    echo "terraform fmt -check: the rendered files are formatted"
  else
    echo "terraform fmt -check: some rendered files are NOT formatted (exit $?)"
  fi
fi
