#!/usr/bin/env bash
# The Python renderer's own checks: mypy over the package (it ships py.typed), then its tests
# (python/tests): pytest, in the virtual environment that
# scripts/python-env.sh makes, against a real browser-host and the embedded web server from the
# Swift build. scripts/test.sh runs it after the Swift tests; arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/python-env.sh >/dev/null
for product in browser-host test-web-server render-client render-client-c; do
    swift build --product "$product" >/dev/null
done
(cd python && ../.build/python-venv/bin/mypy --ignore-missing-imports webrequestkit)
WEBREQUESTKIT_BIN="$(swift build --show-bin-path)" .build/python-venv/bin/python -m pytest -q python/tests "$@"
