#!/usr/bin/env bash
# Run the offline-install test and, only if it passes, record the hash of its inputs in
# tests/offline/bundle_inputs.sha256. Commit that file with the change that needed it.
# See tests/offline/test_offline_install.py for why.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
cd "$ROOT"
PEN_CONSOLE_BUNDLE_TEST=1 "$PYTHON" -m pytest -q -x \
    "tests/offline/test_offline_install.py::test_bundle_installs_with_no_network_and_updates_over_itself" \
    -p no:cacheprovider
"$PYTHON" -c 'from tests.offline.bundle_inputs import record; print(record())'
