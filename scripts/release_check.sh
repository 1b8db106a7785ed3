#!/usr/bin/env bash
# Everything to pass before tagging a version; one summary table at the end.
#   bash scripts/release_check.sh              the full check (about 15-25 min on 2 cores)
#   bash scripts/release_check.sh --quick      lint, types, hazards, SOUP, migrations only
# Other options: --no-suite --no-bench --no-bundle --short-bench. See docs/releasing.md.
# Exit status: 0 when nothing failed, 1 when a check failed, 2 when it cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
if [ ! -x "$python" ]; then
  echo "release_check: no .venv here; run: bash scripts/bootstrap.sh test --collect-only -q" >&2
  exit 2
fi
exec "$python" scripts/release_check.py "$@"
