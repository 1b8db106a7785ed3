#!/usr/bin/env bash
# Build the offline installer: pen-console-offline-<version>-<platform>.tar.gz
#
# Run on a connected machine of the same OS, CPU and Python (minor version) as the carts.
# The file holds every wheel the console needs (sdists are built into wheels here, so the
# clinic needs no compiler), the console's own wheel, a requirements file pinning each
# wheel by version and SHA-256 (for pip --require-hashes), install.sh, the desktop entry
# and icon, and SHA256SUMS. A <file>.sha256 is written beside the tarball.
#
#   bash scripts/bundle.sh [OUT_DIR]        (default: dist/)
#   PYTHON=/path/to/python3.11 bash scripts/bundle.sh
#
# The tree is copied (in a git checkout: tracked and untracked-but-not-ignored files)
# before building, so the build leaves nothing behind in the checkout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
OUT_DIR=$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)

version=$("$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$ROOT/pyproject.toml")
platform=$("$PYTHON" -c 'import sys, sysconfig; print(sysconfig.get_platform().replace("-", "_") + "-cp%d%d" % sys.version_info[:2])')
name="pen-console-offline-$version-$platform"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/src"
stage="$work/$name"
mkdir -p "$src" "$stage/wheels" "$stage/share"

if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
        [ -e "$f" ] && printf '%s\0' "$f"
    done | tar --null -T - -cf -) | tar -xf - -C "$src"
else  # an unpacked source tree: everything but environments, builds and caches
    tar -C "$ROOT" --exclude=./.venv --exclude=./dist --exclude=./build --exclude='*.egg-info' \
        --exclude=__pycache__ --exclude='.*_cache' -cf - . | tar -xf - -C "$src"
fi

echo "bundle: building wheels for pen-console $version and every dependency ($platform)"
"$PYTHON" -m pip wheel --quiet --wheel-dir "$stage/wheels" "$src"

echo "bundle: pinning each wheel by SHA-256"
"$PYTHON" - "$stage/wheels" "$stage/requirements.txt" <<'PY'
import hashlib
import sys
from pathlib import Path

wheels, out = Path(sys.argv[1]), Path(sys.argv[2])
lines = [
    "# Every wheel in wheels/, pinned by version and SHA-256 (pip --require-hashes).",
    "# Written by scripts/bundle.sh; install.sh installs exactly these, with no index.",
]
for whl in sorted(wheels.glob("*.whl")):
    dist, version = whl.name.split("-")[:2]  # PEP 427: {dist}-{version}(-{build})?-...
    digest = hashlib.sha256(whl.read_bytes()).hexdigest()
    lines.append(f"{dist}=={version} --hash=sha256:{digest}")
others = [p.name for p in wheels.iterdir() if p.suffix != ".whl"]
if others:
    sys.exit(f"bundle: not a wheel, cannot be installed offline: {others}")
out.write_text("\n".join(lines) + "\n")
PY

sed -e "s/@VERSION@/$version/g" -e "s/@PLATFORM@/$platform/g" \
    "$ROOT/scripts/offline/install.sh.in" >"$stage/install.sh"
chmod 755 "$stage/install.sh"
cp "$ROOT/resources/desktop/pen-console.desktop.in" "$ROOT/resources/desktop/pen-console.svg" \
    "$stage/share/"
printf '%s\n' "$version" >"$stage/VERSION"
(cd "$stage" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort \
    | xargs -d '\n' sha256sum >SHA256SUMS)

tarball="$OUT_DIR/$name.tar.gz"
tar -C "$work" -czf "$tarball.partial" "$name"
mv "$tarball.partial" "$tarball"
(cd "$OUT_DIR" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "bundle: wrote $tarball ($(du -h "$tarball" | cut -f1)) and $tarball.sha256"
