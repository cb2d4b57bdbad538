#!/usr/bin/env bash
# Measures a release build against the embedded web server on loopback, in one run:
#   - requests per second of a loop of small GETs: the curl command (the same libcurl, no Swift
#     layers) as the baseline; WebRequest in the browser process (browser-host bench); WebRequest
#     in a render process through the browser over IPC (render-client bench);
#   - peak RSS of a 1 GiB download in the browser process, and through a renderer (both
#     processes), and of a 256 MiB upload from a renderer.
# The machine is shared and noisy: compare the numbers of one run with each other.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
command -v curl >/dev/null || { echo "bench: needs the curl command for its baseline (apt-get install curl)" >&2; exit 1; }

for product in browser-host render-client test-web-server; do
    swift build -c release --product "$product" >/dev/null
done
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)

source scripts/ready.sh
source scripts/web-server.sh
start_test_web_server "$bin"

"$bin/browser-host" serve --socket "$work/browser.sock" --downloads "$work/downloads" >"$work/serve.log" &
browser=$!
trap 'kill $browser 2>/dev/null || true; stop_test_web_server; rm -rf "$work"' EXIT
wait_browser_ready "$browser" "$work/serve.log"

requests=${REQUESTS:-3000}
rate() { sed -n 's/.*requests_per_second=\([0-9]*\).*/\1/p'; }
peak() { /usr/bin/time -o "$work/time" -f "%M" "$@" >/dev/null 2>&1; tail -n 1 "$work/time"; }

echo "== small GETs, $requests each"
start=$(date +%s.%N)
for _ in $(seq "$requests"); do echo "$url/hello"; done | xargs curl -s >/dev/null
end=$(date +%s.%N)
baseline=$(echo "$requests / ($end - $start)" | bc -l)
printf '%-34s requests_per_second=%.0f\n' "curl command (baseline)" "$baseline"
for concurrency in 1 8; do
    in_process=$("$bin/browser-host" bench "$url/hello" --requests "$requests" --concurrency "$concurrency" | rate)
    renderer=$("$bin/render-client" --socket "$work/browser.sock" bench "$url/hello" --requests "$requests" --concurrency "$concurrency" | rate)
    printf '%-34s requests_per_second=%s (%.2f x baseline)\n' "browser process, concurrency $concurrency" "$in_process" "$(echo "$in_process / $baseline" | bc -l)"
    printf '%-34s requests_per_second=%s (%.2f x baseline, %.2f x browser process)\n' "renderer over IPC, concurrency $concurrency" "$renderer" \
        "$(echo "$renderer / $baseline" | bc -l)" "$(echo "$renderer / $in_process" | bc -l)"
done

echo "== large bodies, peak RSS"
echo "browser-host fetch, 1 GiB download: $(peak "$bin/browser-host" fetch "$url/bytes/1073741824" --output /dev/null) KiB"
echo "render-client, 1 GiB download:      $(peak "$bin/render-client" --socket "$work/browser.sock" fetch "$url/bytes/1073741824?type=text/plain" --output /dev/null) KiB"
head -c $((256 << 20)) /dev/zero >"$work/upload.bin"
echo "render-client, 256 MiB upload:      $(peak "$bin/render-client" --socket "$work/browser.sock" fetch "$url/echo" --data-file "$work/upload.bin" --output /dev/null) KiB"
rm -f "$work/upload.bin"
echo "browser-host serve, after both:     $(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$browser/status") KiB"
