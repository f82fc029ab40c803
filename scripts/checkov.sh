#!/usr/bin/env bash
# Secure-defaults check: render every preset and run checkov (a real IaC scanner, from
# PyPI) over the generated Terraform and Kubernetes YAML.
#
#   scripts/checkov.sh            # exit 0: no failed check; 1: failed checks; 2: setup error
#
# Time on the 2-core machine: installing checkov about 3.5 min (first run only), the
# release build 2-4 min (unless current), rendering under a second, the scan 5-7 s.
#
# - checkov is installed into a venv on first use (python3 -m venv + pip), pinned to
#   CHECKOV_VERSION; the venv is reused across runs (CHECKOV_VENV to place it elsewhere).
# - Every preset is rendered with the release binary into a temp folder (CHECKOV_OUT to
#   keep it), then scanned offline: no guideline download, no external module download,
#   so only the resources and module calls eksgen itself writes are checked.
# - Skips live in .checkov.yaml, each with the reason it is skipped; only checks about
#   resources eksgen does not emit or internals of the upstream modules may be skipped.
# - Any failed check on a rendered file fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
VENV="${CHECKOV_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/eksgen/checkov-venv}"

fail_setup() {
  echo "checkov.sh: $*" >&2
  exit 2
}

# 1. checkov, installed once.
installed="$("$VENV/bin/checkov" --version 2>/dev/null || true)"
if [ "$installed" != "$CHECKOV_VERSION" ]; then
  echo "== installing checkov $CHECKOV_VERSION into $VENV (first run: a few minutes)"
  start=$SECONDS
  command -v python3 >/dev/null || fail_setup "python3 is needed to install checkov"
  if [ ! -x "$VENV/bin/pip" ]; then
    python3 -m venv "$VENV" || fail_setup "python3 -m venv failed (Debian: apt-get install python3-venv)"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" \
    || fail_setup "pip install checkov==$CHECKOV_VERSION failed"
  echo "   installed in $((SECONDS - start)) s"
fi
CHECKOV="$VENV/bin/checkov"

# Every skip in .checkov.yaml carries its reason: a comment on its line or just above it.
python3 - <<'PY' || fail_setup ".checkov.yaml: every skip-check entry needs a reason"
import re, sys
lines = open(".checkov.yaml").read().splitlines()
inside, ok = False, True
for i, line in enumerate(lines):
    if re.match(r"^skip-check:", line):
        inside = True
        continue
    if inside and re.match(r"^\S", line):
        inside = False
    item = re.match(r"^\s*-\s*([A-Z0-9_]+)\s*(#.*)?$", line) if inside else None
    if item and not item.group(2) and not lines[i - 1].strip().startswith("#"):
        print(f".checkov.yaml:{i + 1}: skip {item.group(1)} has no reason", file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
PY

# 2. Every preset, rendered.
echo "== cargo build --release"
cargo build --release --locked --quiet || fail_setup "cargo build --release failed"
# Where cargo put it: CARGO_TARGET_DIR when set (relative to the repository root, as cargo
# reads it from here), else target/.
EKSGEN="${CARGO_TARGET_DIR:-target}/release/eksgen"
if [ -n "${CHECKOV_OUT:-}" ]; then
  out="$CHECKOV_OUT"
  rm -rf "$out"
  mkdir -p "$out"
else
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
presets="$("$EKSGEN" init --list | awk '{print $1}')"
[ -n "$presets" ] || fail_setup "eksgen init --list printed no presets"
for preset in $presets; do
  "$EKSGEN" render --preset "$preset" -o "$out/$preset" >/dev/null \
    || fail_setup "eksgen render --preset $preset failed"
done
tf_files=$(find "$out" -name '*.tf' -not -path '*/.eksgen/*' | wc -l)
yaml_files=$(find "$out" -name '*.yaml' -not -path '*/.eksgen/*' | wc -l)
echo "== rendered $(echo "$presets" | wc -w) presets: $tf_files .tf files, $yaml_files .yaml files"

# 3. The scan: offline, the repository's skip list, a JSON report summarized below.
echo "== checkov $CHECKOV_VERSION (config .checkov.yaml)"
start=$SECONDS
report="$out/.checkov-report.json"
set +e
"$CHECKOV" --config-file .checkov.yaml --directory "$out" --output json \
  >"$report" 2>"$out/.checkov-stderr.log"
status=$?
set -e
echo "   scanned in $((SECONDS - start)) s"
if [ ! -s "$report" ]; then
  cat "$out/.checkov-stderr.log" >&2
  fail_setup "checkov wrote no report (exit $status)"
fi

"$VENV/bin/python" - "$report" "$out" <<'PY'
import json, sys

report_path, root = sys.argv[1], sys.argv[2]
with open(report_path) as f:
    data = json.load(f)
# One object per framework, a list of them, or an empty-result summary.
runs = data if isinstance(data, list) else [data]
failed = []
totals = {"passed": 0, "failed": 0, "skipped": 0}
for run in runs:
    summary = run.get("summary", {})
    kind = run.get("check_type", "?")
    for key in totals:
        totals[key] += summary.get(key, 0)
    if "check_type" in run:
        print(f"   {kind}: {summary.get('passed', 0)} passed, {summary.get('failed', 0)} failed, "
              f"{summary.get('skipped', 0)} skipped, {summary.get('resource_count', 0)} resources")
    results = run.get("results", {})
    for check in results.get("failed_checks", []):
        failed.append((kind, check))
    for check in results.get("skipped_checks", []):
        reason = check.get("suppress_comment") or "skipped in .checkov.yaml"
        print(f"   skipped {check['check_id']} {check.get('resource', '')}: {reason}")
for kind, check in failed:
    path = check.get("file_abs_path", check.get("file_path", "?")).replace(root + "/", "")
    lines = check.get("file_line_range") or ["?", "?"]
    print(f"FAILED {check['check_id']} {check.get('check_name', '')}\n"
          f"       {kind} {check.get('resource', '')} at {path}:{lines[0]}-{lines[1]}")
print(f"checkov: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
sys.exit(1 if failed else 0)
PY
