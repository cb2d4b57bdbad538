#!/usr/bin/env bash
# What the process split costs, in one run on this machine, against the same nginx on loopback:
#   A  renderers (render-client) through browser-host serve: the product
#   B  WebRequest in the browser process (browser-host): same network stack, no IPC
#   C  a bare libcurl multi loop in C (Benchmarks/curl-multi-bench): the floor for this stack
#   D  Foundation's URLSession (Benchmarks/http-bench urlsession)
#   E  AsyncHTTPClient (Benchmarks/http-bench ahc)
# Workloads: (1) 1 KiB GETs, keep-alive, 1 and 64 in flight (A: 64 spread over 4 renderers), and
# over HTTPS at 64 in flight, HTTP/1.1 and HTTP/2, for A, B and C (nginx with a certificate made for the run);
# (2) one large download; (3) one large upload (PUT); (4) A with 1, 8, 32, 128 renderers of 8 in
# flight each; (5) A's renderer start, process spawn to first completed request; (6) the renderer
# sandbox: spawned renderer start with and without it, and small GETs with it against without;
# (7) Python: P, one Python renderer (python/) at 64 in flight, against R (requests) and X (httpx),
# three rounds in turns. --only https or --only python runs that part alone.
# Figures: requests/s or MB/s, client CPU per request (A: renderers and browser), p50/p99 latency,
# peak RSS per process, the browser's threads and descriptors. One table on stdout, the same rows
# in JSON (--json FILE, default .build/bench-results.json), then issue 17's targets, each met or
# missed by how much (scripts/bench-report.py, which also takes several runs' JSON for medians);
# --plot FILE.svg draws the run (matplotlib, in .build's Python environment). --smoke: seconds,
# tiny sizes (CI). A missed target fails nothing: the machine is shared and noisy.
# release builds; the machine is shared and noisy: compare the rows of one run with each other.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0 json=.build/bench-results.json only="" plot=""
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) smoke=1 ;;
        --json) json=$2; shift ;;
        --plot) plot=$2; shift; [ -n "$plot" ] || { echo "bench: --plot takes the SVG file to write" >&2; exit 2; } ;;
        --only) only=$2; shift; [ "$only" = python ] || [ "$only" = https ] || { echo "bench: --only takes 'https' (the HTTPS rows of (1)) or 'python' (section 7)" >&2; exit 2; } ;;
        *) echo "bench: unknown argument '$1'; usage: scripts/bench.sh [--smoke] [--json FILE] [--plot FILE.svg] [--only https|python]" >&2; exit 2 ;;
    esac
    shift
done

scripts/setup.sh >/dev/null
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/bin/time ] || missing+=(time)
command -v openssl >/dev/null || missing+=(openssl)
if ((${#missing[@]})); then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || true
fi
PATH=$PATH:/usr/sbin

if [ "$smoke" = 1 ]; then
    small_requests=200 one_requests=100 big=$((8 << 20)) upload=$((8 << 20)) scale=(1 2 4) scale_requests=40 starts=3
    python_requests=200 python_rounds=1
else
    small_requests=30000 one_requests=3000 big=$((1 << 30)) upload=$((256 << 20)) scale=(1 8 32 128) scale_requests=2000 starts=20
    python_requests=5000 python_rounds=3
fi

echo "bench: building release products" >&2
swift build -c release --product browser-host >/dev/null
swift build -c release --product render-client >/dev/null
(cd Benchmarks && swift build -c release >/dev/null)
bin=$(swift build -c release --show-bin-path)
bench_bin=$(cd Benchmarks && swift build -c release --show-bin-path)

work=$(mktemp -d "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)/bench.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ "$(type -t stop_test_web_server)" != function ] || stop_test_web_server
    rm -rf "$work"
}
trap cleanup EXIT

# MARK: the server

source scripts/nginx.sh
source scripts/ready.sh

if command -v nginx >/dev/null; then
    server=nginx
    start_nginx "$work" "$big"
    pids+=("$nginx")
else
    server="test-web-server (nginx missing)"
    swift build -c release --product test-web-server >/dev/null
    source scripts/web-server.sh
    start_test_web_server "$bin"
    small_url="$url/bytes/1024" big_url="$url/bytes/$big" upload_url="$url/echo"
fi
echo "bench: server $server at $url" >&2
# How this machine's idle CPUs wait for work. Where they halt at once (a virtual machine's
# haltpoll driver with guest_halt_poll_ns=0), a thread woken on another CPU starts tens of
# microseconds later, and most of the c1 rows' latency is such wake-ups (docs/performance.md).
idle_cpus=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo unknown)
[ ! -r /sys/module/haltpoll/parameters/guest_halt_poll_ns ] ||
    idle_cpus+=" guest_halt_poll_ns=$(cat /sys/module/haltpoll/parameters/guest_halt_poll_ns)"
echo "bench: idle CPUs: $idle_cpus" >&2
check=$("$bin/browser-host" fetch "$small_url" --json --output /dev/null | tail -n 1)
grep -q '"status":200,' <<<"$check" || { echo "bench: the server does not serve $small_url: $check" >&2; cat "$work/nginx/error.log" >&2 2>/dev/null; exit 1; }

# MARK: measuring

# The browser for A, fresh for each workload so its peak RSS is that workload's.
start_browser() {
    rm -f "$work/browser.sock"
    "$bin/browser-host" serve --socket "$work/browser.sock" --downloads "$work/downloads" "$@" >"$work/serve.log" 2>&1 &
    browser=$!
    pids+=("$browser")
    wait_browser_ready "$browser" "$work/serve.log"
}
stop_browser() { kill "$browser" 2>/dev/null; wait "$browser" 2>/dev/null || true; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
browser_hwm() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$browser/status"; }
browser_threads() { awk '/^Threads/ { print $2 }' "/proc/$browser/status"; }
browser_fds() { ls "/proc/$browser/fd" | wc -l; }
ticks=$(getconf CLK_TCK)

# Runs a command under /usr/bin/time; sets out (its stdout), cpu (user+sys seconds), rss (MiB).
measure() {
    /usr/bin/time -o "$work/time" -f "%U %S %M" "$@" >"$work/out" 2>"$work/err" || { echo "bench: failed: $* $(cat "$work/out" "$work/err" "$work/time")" >&2; return 1; }
    out=$(cat "$work/out")
    no_failures "$out" "$*"
    read -r user sys kib <"$work/time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
    rss=$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
# A figure from requests that failed (or answered other than 200) measures nothing.
no_failures() {
    local failures
    failures=$(field failures "$1")
    [ "${failures:-0}" = 0 ] || { echo "bench: $failures failures in: $2: $1" >&2; exit 1; }
}

# The project's fetch commands end with a summary on stderr: "success: 200 OK ...".
succeeded() {
    grep -q "^success: 2" "$work/err" || { echo "bench: $1 did not succeed: $(cat "$work/err")" >&2; exit 1; }
}

rows=()
# row WORKLOAD CLIENT RATE UNIT CPU_MS_PER_OP P50 P99 RSS_CLIENT RSS_BROWSER THREADS FDS
row() {
    printf '%-22s %-3s %12s %-5s %10s %9s %9s %10s %11s %8s %5s\n' "$@"
    rows+=("{\"workload\":\"$1\",\"client\":\"$2\",\"rate\":$3,\"unit\":\"$4\",\"cpu_ms_per_op\":$5,\"p50_us\":$6,\"p99_us\":$7,\"client_rss_mib\":$8,\"browser_rss_mib\":$9,\"browser_threads\":${10},\"browser_fds\":${11}}")
}
na=null
write_json() {
    mkdir -p "$(dirname "$json")"
    {
        echo "{\"server\":\"$server\",\"smoke\":$([ "$smoke" = 1 ] && echo true || echo false),\"cores\":$(nproc),\"idle_cpus\":\"$idle_cpus\",\"rows\":["
        (IFS=,; echo "${rows[*]}")
        echo "]}"
    } >"$json"
    echo "bench: rows written to $json" >&2
    if [ -n "$plot" ]; then
        scripts/python-env.sh >/dev/null
        .build/python-venv/bin/pip install --quiet --disable-pip-version-check matplotlib
        .build/python-venv/bin/python scripts/bench-report.py "$json" --plot "$plot"
    else
        python3 scripts/bench-report.py "$json"
    fi
}

printf '%-22s %-3s %12s %-5s %10s %9s %9s %10s %11s %8s %5s\n' workload cli rate unit cpu_ms/op p50_us p99_us rss_MiB browser_MiB threads fds

median() { sort -n -k"$2" "$1" | awk -v k="$2" '{ a[NR] = $k } END { print a[int((NR + 1) / 2)] }'; }

# MARK: (1) small GETs

# small_gets NAME URL CONCURRENCY REQUESTS "CLIENTS" [--ca-file FILE]: one row per client of
# REQUESTS small GETs of URL, CONCURRENCY in flight: A (renderers; 64 in flight spread over 4),
# then each of CLIENTS (B to E), and A's ratios to them. --ca-file goes to the browser and to C.
small_gets() {
    local name=$1 url=$2 concurrency=$3 requests=$4 clients=$5
    shift 5
    local network=("$@") ca=()
    [ "${network[0]:-}" != --ca-file ] || ca=("${network[1]}")
    declare -A rate=()

    start_browser "${network[@]}"
    local before renderers per started ended running=() r
    before=$(cpu_ticks "$browser")
    renderers=$([ "$concurrency" = 1 ] && echo 1 || echo 4)
    per=$((requests / renderers))
    started=$(date +%s.%N)
    for r in $(seq "$renderers"); do
        /usr/bin/time -o "$work/time$r" -f "%U %S %M" "$bin/render-client" --socket "$work/browser.sock" bench "$url" \
            --requests "$per" --concurrency $((concurrency / renderers)) >"$work/out$r" &
        running+=($!)
    done
    wait "${running[@]}"
    ended=$(date +%s.%N)
    local browser_cpu renderer_cpu=0 renderer_rss=0 p50=0 p99=0 line total cpu_per
    browser_cpu=$(awk -v a="$before" -v b="$(cpu_ticks "$browser")" -v t="$ticks" 'BEGIN { print (b - a) / t }')
    for r in $(seq "$renderers"); do
        read -r user sys kib <"$work/time$r"
        renderer_cpu=$(awk -v c="$renderer_cpu" -v u="$user" -v s="$sys" 'BEGIN { print c + u + s }')
        renderer_rss=$(awk -v m="$renderer_rss" -v k="$kib" 'BEGIN { v = k / 1024; printf "%.1f", (v > m ? v : m) }')
        line=$(cat "$work/out$r")
        no_failures "$line" "render-client bench"
        p50=$(awk -v a="$p50" -v b="$(field p50_us "$line")" 'BEGIN { print (b > a ? b : a) }')
        p99=$(awk -v a="$p99" -v b="$(field p99_us "$line")" 'BEGIN { print (b > a ? b : a) }')
    done
    total=$((per * renderers))
    rate[A]=$(awk -v n="$total" -v a="$started" -v b="$ended" 'BEGIN { printf "%.0f", n / (b - a) }')
    cpu_per=$(awk -v c="$renderer_cpu" -v b="$browser_cpu" -v n="$total" 'BEGIN { printf "%.4f", (c + b) * 1000 / n }')
    row "$name" A "${rate[A]}" req/s "$cpu_per" "$p50" "$p99" "$renderer_rss" "$(browser_hwm)" "$(browser_threads)" "$(browser_fds)"
    stop_browser

    local client ratios="$name ratios:"
    for client in $clients; do
        case $client in
            B) measure "$bin/browser-host" bench "$url" --requests "$requests" --concurrency "$concurrency" "${network[@]}" ;;
            C) measure "$bench_bin/curl-multi-bench" small "$url" "$requests" "$concurrency" "${ca[@]}" ;;
            D) measure "$bench_bin/http-bench" urlsession small "$url" "$requests" "$concurrency" ;;
            E) measure "$bench_bin/http-bench" ahc small "$url" "$requests" "$concurrency" ;;
        esac
        rate[$client]=$(field requests_per_second "$out")
        row "$name" "$client" "${rate[$client]}" req/s "$(awk -v c="$cpu" -v n="$requests" 'BEGIN { printf "%.4f", c * 1000 / n }')" \
            "$(field p50_us "$out")" "$(field p99_us "$out")" "$rss" $na $na $na
        ratios+=" A/$client=$(awk -v a="${rate[A]}" -v b="${rate[$client]}" 'BEGIN { printf "%.2f", a / b }')"
    done
    echo "$ratios"
}

# --only runs one section: https, the HTTPS rows of (1), or python, (7).
if [ -z "$only" ]; then
    for concurrency in 1 64; do
        small_gets "get-1KiB-c$concurrency" "$small_url" "$concurrency" "$([ "$concurrency" = 1 ] && echo "$one_requests" || echo "$small_requests")" "B C D E"
    done
fi

# HTTPS at 64 in flight, over HTTP/1.1 and over HTTP/2 (nginx, a certificate made for the run).
if [ -z "$only" ] || [ "$only" = https ]; then
    if [ -n "${https_h1_url:-}" ]; then
        small_gets get-1KiB-https-h1-c64 "$https_h1_url/1k" 64 "$small_requests" "B C" --ca-file "$work/tls/cert.pem"
        small_gets get-1KiB-https-h2-c64 "$https_h2_url/1k" 64 "$small_requests" "B C" --ca-file "$work/tls/cert.pem"
    else
        echo "bench: no HTTPS rows without nginx" >&2
    fi
fi

if [ -z "$only" ]; then

# MARK: (2) download and (3) upload

head -c "$upload" /dev/zero >"$work/upload.bin"
for workload in download upload; do
    declare -A rate=()
    if [ "$workload" = download ]; then
        name="download-$((big >> 20))MiB" bytes=$big
        a_args=(fetch "$big_url" --output /dev/null) b_args=(fetch "$big_url" --output /dev/null)
        c_args=(download "$big_url")
    else
        name="upload-$((upload >> 20))MiB" bytes=$upload
        a_args=(fetch "$upload_url" -X PUT --data-file "$work/upload.bin" --output /dev/null)
        b_args=(fetch "$upload_url" -X PUT --upload-file "$work/upload.bin" --output /dev/null)
        c_args=(upload "$upload_url" "$upload")
    fi
    start_browser
    before=$(cpu_ticks "$browser")
    started=$(date +%s.%N)
    measure "$bin/render-client" --socket "$work/browser.sock" "${a_args[@]}"
    ended=$(date +%s.%N)
    succeeded "render-client ${a_args[*]}"
    browser_cpu=$(awk -v a="$before" -v b="$(cpu_ticks "$browser")" -v t="$ticks" 'BEGIN { print (b - a) / t }')
    rate[A]=$(awk -v n="$bytes" -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", n / (b - a) / 1e6 }')
    row "$name" A "${rate[A]}" MB/s "$(awk -v c="$cpu" -v b="$browser_cpu" 'BEGIN { printf "%.1f", (c + b) * 1000 }')" $na $na "$rss" \
        "$(browser_hwm)" "$(browser_threads)" "$(browser_fds)"
    stop_browser
    started=$(date +%s.%N)
    measure "$bin/browser-host" "${b_args[@]}"
    ended=$(date +%s.%N)
    succeeded "browser-host ${b_args[*]}"
    rate[B]=$(awk -v n="$bytes" -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", n / (b - a) / 1e6 }')
    row "$name" B "${rate[B]}" MB/s "$(awk -v c="$cpu" 'BEGIN { printf "%.1f", c * 1000 }')" $na $na "$rss" $na $na $na
    for client in C D E; do
        case $client in
            C) measure "$bench_bin/curl-multi-bench" "${c_args[@]}" ;;
            D) measure "$bench_bin/http-bench" urlsession "${c_args[@]}" ;;
            E) measure "$bench_bin/http-bench" ahc "${c_args[@]}" ;;
        esac
        rate[$client]=$(field mb_per_s "$out")
        row "$name" "$client" "${rate[$client]}" MB/s "$(awk -v c="$cpu" 'BEGIN { printf "%.1f", c * 1000 }')" $na $na "$rss" $na $na $na
    done
    ratios="$name ratios:"
    for client in B C D E; do ratios+=" A/$client=$(awk -v a="${rate[A]}" -v b="${rate[$client]}" 'BEGIN { printf "%.2f", a / b }')"; done
    echo "$ratios"
    rm -f "$work/www/upload/body"
done

# MARK: (4) scale and (5) renderer start

for count in "${scale[@]}"; do
    start_browser
    before=$(cpu_ticks "$browser")
    started=$(date +%s.%N)
    running=()
    for r in $(seq "$count"); do
        "$bin/render-client" --socket "$work/browser.sock" bench "$small_url" --requests "$scale_requests" --concurrency 8 >"$work/scale$r" &
        running+=($!)
    done
    # The browser's threads and descriptors while they all run, sampled beside the timing.
    (sleep 0.2; echo "$(browser_threads) $(browser_fds)" >"$work/sample") &
    sampler=$!
    wait "${running[@]}"
    ended=$(date +%s.%N)
    wait "$sampler"
    read -r threads fds <"$work/sample"
    browser_cpu=$(awk -v a="$before" -v b="$(cpu_ticks "$browser")" -v t="$ticks" 'BEGIN { print (b - a) / t }')
    total=$((count * scale_requests))
    rate=$(awk -v n="$total" -v a="$started" -v b="$ended" 'BEGIN { printf "%.0f", n / (b - a) }')
    row "scale-$count-renderers" A "$rate" req/s "$(awk -v b="$browser_cpu" -v n="$total" 'BEGIN { printf "%.4f", b * 1000 / n }')" \
        $na $na $na "$(browser_hwm)" "$threads" "$fds"
    stop_browser
done

start_browser
for i in $(seq "$starts"); do
    a=$(date +%s%N)
    "$bin/render-client" --socket "$work/browser.sock" fetch "$small_url" --output /dev/null >/dev/null 2>&1
    b=$(date +%s%N)
    echo $(((b - a) / 1000))
done | sort -n >"$work/starts"
p50=$(awk '{ a[NR] = $1 } END { print a[int(NR / 2) + 1] }' "$work/starts")
p99=$(awk '{ a[NR] = $1 } END { i = int(NR * 0.99) + 1; if (i > NR) i = NR; print a[i] }' "$work/starts")
row renderer-start A "$(awk -v p="$p50" 'BEGIN { printf "%.0f", 1e6 / p }')" start/s $na "$p50" "$p99" $na "$(browser_hwm)" \
    "$(browser_threads)" "$(browser_fds)"
stop_browser

# MARK: (6) the sandbox

# Spawn to first completed request, as serve --spawn starts renderers: the browser's own start is
# in both rows alike; the difference is the namespaces, the filter and Landlock. The two modes
# take turns, start by start, so that the machine's noise falls on both.
for i in $(seq "$starts"); do
    for mode in sandbox no-sandbox; do
        rm -f "$work/spawn.sock"
        a=$(date +%s%N)
        # serve's switch is --no-sandbox only: the sandbox is its default.
        "$bin/browser-host" serve --socket "$work/spawn.sock" --downloads "$work/downloads" --exit-when-idle \
            $([ "$mode" = no-sandbox ] && echo --no-sandbox) \
            --spawn "$bin/render-client fetch $small_url --output /dev/null" >/dev/null 2>&1 \
            || { echo "bench: a $mode renderer start failed" >&2; exit 1; }
        b=$(date +%s%N)
        echo $(((b - a) / 1000)) >>"$work/starts-$mode"
    done
done
for mode in sandbox no-sandbox; do
    p50=$(median "$work/starts-$mode" 1)
    p99=$(sort -n "$work/starts-$mode" | awk '{ a[NR] = $1 } END { i = int(NR * 0.99) + 1; if (i > NR) i = NR; print a[i] }')
    row "spawn-start-$mode" A "$(awk -v p="$p50" 'BEGIN { printf "%.0f", 1e6 / p }')" start/s $na "$p50" "$p99" $na $na $na $na
done
echo "spawn-start ratios (medians of $starts, in turns): sandbox/no-sandbox=$(awk -v a="$(median "$work/starts-sandbox" 1)" \
    -v b="$(median "$work/starts-no-sandbox" 1)" 'BEGIN { printf "%.2f", a / b }')"

# Small GETs from one renderer with the filter engaged and without, five runs of each in turns
# so that the machine's noise falls on both; the medians count, of the rate and of the renderer's
# CPU per request (the filter runs in the renderer, on its system calls).
start_browser
sandbox_requests=$((small_requests / 4))
for round in 1 2 3 4 5; do
    for mode in sandbox no-sandbox; do
        measure "$bin/render-client" --socket "$work/browser.sock" "--$mode" bench "$small_url" --requests "$sandbox_requests" --concurrency 16
        echo "$(field requests_per_second "$out") $(awk -v c="$cpu" -v n="$sandbox_requests" 'BEGIN { printf "%.4f", c * 1000 / n }') $(field p50_us "$out") $(field p99_us "$out") $rss" >>"$work/get-$mode"
    done
done
for mode in sandbox no-sandbox; do
    row "get-1KiB-c16-$mode" A "$(median "$work/get-$mode" 1)" req/s "$(median "$work/get-$mode" 2)" "$(median "$work/get-$mode" 3)" \
        "$(median "$work/get-$mode" 4)" "$(median "$work/get-$mode" 5)" "$(browser_hwm)" "$(browser_threads)" "$(browser_fds)"
done
echo "get-1KiB-c16 ratios (medians of 5): sandbox/no-sandbox rate=$(awk -v a="$(median "$work/get-sandbox" 1)" -v b="$(median "$work/get-no-sandbox" 1)" 'BEGIN { printf "%.2f", a / b }')" \
    "renderer cpu=$(awk -v a="$(median "$work/get-sandbox" 2)" -v b="$(median "$work/get-no-sandbox" 2)" 'BEGIN { printf "%.2f", a / b }')"
stop_browser

fi  # sections (2) to (6)

# MARK: (7) Python

# One Python renderer (webrequestkit.aio, one process, 64 in flight) through a browser, against
# what a Python programmer would otherwise reach for on the same URL: requests (a thread pool of
# 64 sessions) and httpx (AsyncClient, 64 in flight). Three rounds, the clients in turns within
# each, so that the machine's noise falls on all three; the rows are the medians. The CPU of P
# counts the browser's too.
[ -z "$only" ] || [ "$only" = python ] || { write_json; exit 0; }
scripts/python-env.sh >/dev/null
venv=.build/python-venv
"$venv/bin/pip" install --quiet --disable-pip-version-check requests httpx
for round in $(seq "$python_rounds"); do
    start_browser
    before=$(cpu_ticks "$browser")
    measure "$venv/bin/python" Benchmarks/python/bench.py webrequestkit "$small_url" "$python_requests" 64 --socket "$work/browser.sock"
    browser_cpu=$(awk -v a="$before" -v b="$(cpu_ticks "$browser")" -v t="$ticks" 'BEGIN { print (b - a) / t }')
    echo "$(field requests_per_second "$out") $(awk -v c="$cpu" -v b="$browser_cpu" -v n="$python_requests" 'BEGIN { printf "%.4f", (c + b) * 1000 / n }')" \
        "$(field p50_us "$out") $(field p99_us "$out") $rss $(browser_hwm) $(browser_threads) $(browser_fds)" >>"$work/py-P"
    stop_browser
    for client in R X; do
        measure "$venv/bin/python" Benchmarks/python/bench.py "$([ "$client" = R ] && echo requests || echo httpx)" "$small_url" "$python_requests" 64
        echo "$(field requests_per_second "$out") $(awk -v c="$cpu" -v n="$python_requests" 'BEGIN { printf "%.4f", c * 1000 / n }')" \
            "$(field p50_us "$out") $(field p99_us "$out") $rss" >>"$work/py-$client"
    done
    echo "py-get-1KiB-c64 round $round: P=$(tail -n 1 "$work/py-P" | cut -d' ' -f1) R=$(tail -n 1 "$work/py-R" | cut -d' ' -f1)" \
        "X=$(tail -n 1 "$work/py-X" | cut -d' ' -f1) req/s" >&2
done
m() { median "$work/py-$1" "$2"; }
row py-get-1KiB-c64 P "$(m P 1)" req/s "$(m P 2)" "$(m P 3)" "$(m P 4)" "$(m P 5)" "$(m P 6)" "$(m P 7)" "$(m P 8)"
for client in R X; do
    row py-get-1KiB-c64 "$client" "$(m "$client" 1)" req/s "$(m "$client" 2)" "$(m "$client" 3)" "$(m "$client" 4)" "$(m "$client" 5)" $na $na $na
done
echo "py-get-1KiB-c64 ratios (medians of $python_rounds rounds in turns): P/R=$(awk -v a="$(m P 1)" -v b="$(m R 1)" 'BEGIN { printf "%.2f", a / b }')" \
    "P/X=$(awk -v a="$(m P 1)" -v b="$(m X 1)" 'BEGIN { printf "%.2f", a / b }')"

write_json

