# Sourced by the scripts that measure against nginx (bench.sh, profile/profile.sh).
# start_nginx WORK BIG_BYTES: starts nginx (one worker, keep-alive without limit) on loopback with
# its files under WORK: /1k (1 KiB of random bytes), /big (BIG_BYTES of zeros, sparse) and PUT
# into /upload/, over HTTP, HTTPS and HTTPS with HTTP/2 (a certificate for 127.0.0.1 made for
# the run). Sets $nginx (its pid; the caller stops it), $url, $small_url, $big_url, $upload_url,
# $https_h1_url and $https_h2_url. Needs nginx and openssl on PATH.
start_nginx() {
    # Ports below the kernel's ephemeral range: a client connection of an earlier run, in
    # TIME_WAIT on an ephemeral port, cannot hold one (it made nginx fail to bind after runs
    # that opened thousands of connections).
    local work=$1 big=$2 low=32768 port
    [ -r /proc/sys/net/ipv4/ip_local_port_range ] && read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    ((low > 11000)) || low=40000
    port=$((10000 + RANDOM % (low - 10003)))
    mkdir -p "$work/www/upload" "$work/nginx" "$work/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" 2>/dev/null
    head -c 1024 /dev/urandom >"$work/www/1k"
    truncate -s "$big" "$work/www/big"
    cat >"$work/nginx/nginx.conf" <<EOF
user $(id -un);
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 8192; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000000;
    keepalive_timeout 120;
    client_max_body_size 0;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    default_type text/plain;  # renderable, so renderer responses are not routed to downloads
    server {
        listen 127.0.0.1:$port;
        root $work/www;
        location /upload/ { dav_methods PUT; }
    }
    server {
        listen 127.0.0.1:$((port + 1)) ssl;
        listen 127.0.0.1:$((port + 2)) ssl http2;
        ssl_certificate $work/tls/cert.pem;
        ssl_certificate_key $work/tls/key.pem;
        root $work/www;
    }
}
EOF
    nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
    nginx=$!
    url="http://127.0.0.1:$port"
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
    small_url="$url/1k" big_url="$url/big" upload_url="$url/upload/body"
    https_h1_url="https://127.0.0.1:$((port + 1))" https_h2_url="https://127.0.0.1:$((port + 2))"
}
