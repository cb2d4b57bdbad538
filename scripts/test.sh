#!/usr/bin/env bash
# Sets everything up and runs every test: the build must have no warnings, then unit,
# in-process network and black-box command-line tests run against the embedded web server.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# A crashing test process must end the run, not wait minutes in swift-backtrace.
export SWIFT_BACKTRACE=enable=no

swift build --build-tests -Xswiftc -warnings-as-errors 2>&1 | tee .build-log.txt
if grep -E "^/.*(Sources|Tests)/.*warning:" .build-log.txt; then
    echo "test: the build has warnings" >&2
    exit 1
fi
rm -f .build-log.txt
# The renderer integration tests run the Python renderer too, from this environment.
scripts/python-env.sh
swift test --skip-build

# The third renderer, in Python, against the same browser.
scripts/python-test.sh
