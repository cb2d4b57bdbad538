#!/usr/bin/env bash
# What bench.sh's upload row can reach: a renderer uploads bytes it holds (CEF's renderer has no
# file uploads), so render-client takes the whole --data-file before the request starts (a file
# of 1 MiB or more is mapped; until round thirteen it was read into fresh memory), while the
# in-process client (B) streams the file to libcurl. In turns, --rounds times:
#   read   render-client --data-file FILE against a closed port (start, read, refused), less the
#          same with a 1-byte file: the read (or mapping) alone
#   A      render-client fetch -X PUT --data-file FILE through browser-host serve (bench.sh's A)
#   B      browser-host fetch -X PUT --upload-file FILE (bench.sh's B)
# then the medians and the best A/B the read leaves: B / (read + B), what A would reach if its
# transfer cost nothing more than B's whole upload.
# Usage: scripts/profile/upload-floor.sh [--mib N] [--rounds R]   (default 256 MiB, 5 rounds)
set -euo pipefail
cd "$(dirname "$0")/../.."

mib=256 rounds=5
while [ $# -gt 0 ]; do
    case "$1" in
        --mib) mib=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        *) echo "upload-floor: unknown argument '$1'; usage: scripts/profile/upload-floor.sh [--mib N] [--rounds R]" >&2; exit 2 ;;
    esac
    shift
done
[[ $mib =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] || { echo "upload-floor: --mib and --rounds take positive numbers" >&2; exit 2; }

scripts/setup.sh >/dev/null
PATH=$PATH:/usr/sbin
command -v nginx >/dev/null || { echo "upload-floor: needs nginx (apt-get install nginx-light)" >&2; exit 1; }
swift build -c release --product browser-host >/dev/null
swift build -c release --product render-client >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)/upload-floor.XXXXXX")
browser=""
cleanup() { kill ${nginx:-} $browser 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source scripts/nginx.sh
source scripts/ready.sh
start_nginx "$work" 1024
head -c $((mib << 20)) /dev/zero >"$work/upload.bin"
printf x >"$work/one.bin"
"$bin/browser-host" serve --socket "$work/browser.sock" --downloads "$work/downloads" >"$work/serve.log" 2>&1 &
browser=$!
wait_browser_ready "$browser" "$work/serve.log"

seconds() {  # seconds COMMAND...: wall time of the command, whatever its exit status
    local started ended
    started=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    ended=$(date +%s.%N)
    awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.4f", b - a }'
}
closed="http://127.0.0.1:9/"  # discard: nothing listens, the connection is refused at once
reads=() as=() bs=()
for round in $(seq "$rounds"); do
    full=$(seconds "$bin/render-client" --socket "$work/browser.sock" fetch "$closed" -X PUT --data-file "$work/upload.bin" --output /dev/null)
    empty=$(seconds "$bin/render-client" --socket "$work/browser.sock" fetch "$closed" -X PUT --data-file "$work/one.bin" --output /dev/null)
    reads+=("$(awk -v f="$full" -v e="$empty" 'BEGIN { printf "%.4f", f - e }')")
    as+=("$(seconds "$bin/render-client" --socket "$work/browser.sock" fetch "$upload_url" -X PUT --data-file "$work/upload.bin" --output /dev/null)")
    rm -f "$work/www/upload/body"
    bs+=("$(seconds "$bin/browser-host" fetch "$upload_url" -X PUT --upload-file "$work/upload.bin" --output /dev/null)")
    rm -f "$work/www/upload/body"
    echo "round $round: read ${reads[-1]} s, A ${as[-1]} s, B ${bs[-1]} s" >&2
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
read_s=$(median "${reads[@]}") a=$(median "${as[@]}") b=$(median "${bs[@]}")
echo "upload of $mib MiB, medians of $rounds rounds: renderer's read $read_s s, A $a s, B $b s"
awk -v r="$read_s" -v a="$a" -v b="$b" 'BEGIN {
    printf "A/B %.2f; the read alone allows at most %.2f; A past its read %.3f s (B %.3f s)\n", b / a, b / (r + b), a - r, b
}'
