#!/usr/bin/env bash
# Create the peers' virtual environments for benchmarks/compare_systems.py
# from the pinned requirement files beside this script.
#
#   bash benchmarks/peers/setup.sh [VENVS_DIR]     # default: benchmarks/.venvs
#
# PYTHON picks the interpreter (default python3.11, the version the pins were
# made with). Running it again only installs what is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venvs="${1:-$here/../.venvs}"
python="${PYTHON:-python3.11}"
for peer in flaml autogluon; do
    if [ ! -x "$venvs/$peer/bin/python" ]; then
        "$python" -m venv "$venvs/$peer"
    fi
    "$venvs/$peer/bin/python" -m pip install --quiet --upgrade pip
    "$venvs/$peer/bin/python" -m pip install --quiet -r "$here/requirements-$peer.txt"
    echo "$peer: $("$venvs/$peer/bin/python" -m pip --version | cut -d' ' -f1-2) ready in $venvs/$peer"
done
