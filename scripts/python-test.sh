#!/usr/bin/env bash
# The Python renderer (python/): installs the package as a user does (pip install ./python, in a
# virtual environment under .build/), then runs its pytest tests against a real browser-host and
# the embedded web server from the Swift build. scripts/test.sh runs it after the Swift tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
    echo "python-test: installing python3 and its venv module"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
fi

venv=.build/python-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "./python[test]"
# A local folder of the same version counts as installed: reinstall it, so the tests see this tree.
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
for product in browser-host test-web-server render-client render-client-c; do
    swift build --product "$product" >/dev/null
done
WEBREQUESTKIT_BIN="$(swift build --show-bin-path)" "$venv/bin/python" -m pytest -q python/tests "$@"
