#!/usr/bin/env bash
# Measures the browser process in a release build, against the embedded web server on loopback:
#   1. peak RSS of browser-host fetch streaming a 1 GiB body (flow control keeps it bounded);
#   2. requests per second of a loop of small GETs through WebRequest, beside the same loop run
#      by the curl command (the same libcurl, no Swift layers) as the baseline, in this script.
# The machine is shared and noisy: compare the numbers of one run with each other.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
command -v curl >/dev/null || { echo "bench: needs the curl command for its baseline (apt-get install curl)" >&2; exit 1; }

swift build -c release --product browser-host >/dev/null
swift build -c release --product test-web-server >/dev/null
bin=$(swift build -c release --show-bin-path)

source scripts/web-server.sh
start_test_web_server "$bin"

requests=${REQUESTS:-3000}

timing=$(mktemp)
/usr/bin/time -o "$timing" -f "%M" "$bin/browser-host" fetch "$url/bytes/1073741824" --output /dev/null 2>/dev/null
rss=$(tail -n 1 "$timing")
rm -f "$timing"
echo "1 GiB download: peak RSS ${rss} KiB"

start=$(date +%s.%N)
for _ in $(seq "$requests"); do echo "$url/hello"; done | xargs curl -s >/dev/null
end=$(date +%s.%N)
baseline=$(echo "$requests / ($end - $start)" | bc -l)
printf 'baseline (curl command, sequential): requests_per_second=%.0f\n' "$baseline"

for concurrency in 1 8; do
    line=$("$bin/browser-host" bench "$url/hello" --requests "$requests" --concurrency "$concurrency")
    echo "browser-host bench: $line"
    rate=$(echo "$line" | sed -n 's/.*requests_per_second=\([0-9]*\).*/\1/p')
    printf '  ratio to baseline: %.2f\n' "$(echo "$rate / $baseline" | bc -l)"
done
