#!/bin/sh
# Make .venv, the project's own Python environment, and install the allocator into it with its
# test tools: `sh setup.sh`. Needs only python3 (or python) 3.11+, as on a stock Debian 12,
# where pip refuses to install into the system Python (externally managed) and `python3 -m venv`
# may lack ensurepip (when the python3-venv package is not installed).
set -eu
cd "$(dirname "$0")"

python=$(command -v python3 || command -v python || true)
if [ -z "$python" ]; then
    echo "找不到 python3。请先安装 Python 3.11 以上版本。/ python3 not found: install Python 3.11 or later." >&2
    exit 2
fi

if [ ! -x .venv/bin/python ]; then
    # Without ensurepip the first form fails half-way; the second makes the environment bare.
    "$python" -m venv .venv 2>/dev/null || "$python" -m venv --clear --without-pip .venv
fi

if .venv/bin/python -m pip --version >/dev/null 2>&1; then
    .venv/bin/python -m pip install -e ".[test]"
elif "$python" -m pip --version >/dev/null 2>&1; then
    # The system's pip installs into .venv, never into the system Python.
    "$python" -m pip --python .venv/bin/python install -e ".[test]"
else
    echo "没有 pip：请安装 python3-venv（或 python3-pip）后重试，如 sudo apt-get install python3-venv。" >&2
    echo "No pip: install python3-venv (or python3-pip), e.g. sudo apt-get install python3-venv, and run again." >&2
    exit 2
fi
