#!/usr/bin/env bash
# Installs what WebRequestKit needs from Debian, if it is missing: libcurl's headers (the
# browser's network stack) and OpenSSL's (which names the TLS version libcurl negotiated),
# zlib's, Brotli's and Zstandard's (the browser decodes content codings itself; the test server
# encodes them), libprotobuf-c's (the C renderer), mimalloc (the browser process's allocator),
# pkg-config (which SwiftPM uses to find them), and valgrind (the tests run the C renderer under
# it). Safe to run twice.
set -euo pipefail

packages=(libcurl4-openssl-dev libssl-dev zlib1g-dev libbrotli-dev libzstd-dev libprotobuf-c-dev libseccomp-dev libmimalloc-dev pkg-config valgrind)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "setup: no swift on PATH; install Swift 6.0 or newer" >&2; exit 1; }
echo "setup: $(swift --version 2>/dev/null | head -n 1); libcurl $(pkg-config --modversion libcurl); libprotobuf-c $(pkg-config --modversion libprotobuf-c)"
