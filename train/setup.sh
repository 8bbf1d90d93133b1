#!/usr/bin/env bash
# Creates train/.venv with the pinned training dependencies (PyPI only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python3 -m venv "$here/.venv"
"$here/.venv/bin/pip" install --disable-pip-version-check -q -r "$here/requirements.txt"
echo "ready: $here/.venv/bin/python"
