#!/usr/bin/env bash
# Makes the Python renderer's virtual environment, .build/python-venv, and installs python/
# into it as a user does (pip install ./python, with pytest; protobuf comes from PyPI). The
# Swift tests run the Python renderer from it, and scripts/python-test.sh its own tests. Safe to
# run twice: the package is reinstalled from this tree each time.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    echo "python-env: installing python3 and its venv module"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
fi

venv=.build/python-venv
mkdir -p .build
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "./python[test]"
# A local folder of the same version counts as installed: reinstall it, so the tests see this tree.
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
echo "python-env: $("$venv/bin/python" --version) with webrequestkit from ./python in $venv"
