#!/usr/bin/env bash
# Requests per second and CPU time per request, staticd next to nginx.
#
#   tests/bench.sh [SECONDS] [ROUNDS]     (make bench)
#
# Each server runs alone, pinned to CPU 0 with one worker; wrk runs pinned to
# CPU 1 with 64 connections. Rounds interleave the servers (staticd, nginx,
# staticd, ...) and the table shows the median of the rounds. CPU time per
# request is the server's utime+stime from /proc over the requests served,
# which is far steadier on a shared machine than requests per second.
set -euo pipefail

secs=${1:-5}
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/target/release/staticd
port_s=18480
port_n=18481

for tool in wrk nginx taskset; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk nginx)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "bench: build first (make)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/nginx"
printf 'Hello, World!' >"$work/www/13.txt"
head -c 3072 /dev/urandom | base64 -w0 | head -c 4096 >"$work/www/4k.txt"
head -c 12288 /dev/urandom | base64 -w0 | head -c 16384 >"$work/www/16k.txt"
head -c 1048576 /dev/urandom >"$work/www/1m.bin"
# 64 KiB of text that compresses like real markup: varied words, not one repeated line.
awk 'BEGIN { srand(7); for (i = 0; i < 2000; i++) printf "<li class=\"item-%d\">entry %d of %d: %x</li>\n", i % 37, i, int(rand() * 1e6), int(rand() * 1e9) }' >"$work/www/64k.txt"
truncate -s 65536 "$work/www/64k.txt"

cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
master_process off;
daemon off;
error_log $work/nginx/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on; tcp_nopush on; tcp_nodelay on;
    open_file_cache max=1000 inactive=60s; open_file_cache_valid 60s;
    keepalive_requests 1000000;
    gzip on; gzip_comp_level 1; gzip_types text/plain; gzip_min_length 256;
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
    fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
    types { text/plain txt; application/octet-stream bin; }
    server { listen 127.0.0.1:$port_n reuseport; root $work/www; }
}
NGINX

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run SERVER FILE [HEADER] -> "req_per_sec usec_cpu_per_request"
run() {
    local server=$1 file=$2 header=${3:-X-Bench: 1} pid port
    if [ "$server" = staticd ]; then
        taskset -c 0 "$bin" -l 127.0.0.1:$port_s -t 1 "$work/www" 2>/dev/null &
        pid=$!
        port=$port_s
    else
        taskset -c 0 nginx -c "$work/nginx/nginx.conf" 2>/dev/null &
        pid=$!
        port=$port_n
    fi
    for _ in $(seq 50); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/$file" 2>/dev/null && break
        sleep 0.05
    done
    local before after out requests rps
    before=$(cpu_ticks $pid)
    out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" -H "$header" "http://127.0.0.1:$port/$file")
    after=$(cpu_ticks $pid)
    kill $pid; wait $pid 2>/dev/null || true
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    echo "$rps $(awk -v t=$((after - before)) -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| file | staticd req/s | nginx req/s | ratio | staticd µs CPU/req | nginx µs CPU/req | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for scenario in 13.txt 4k.txt 16k.txt 64k.txt:gzip 1m.bin; do
    file=${scenario%%:*}
    header="X-Bench: 1"
    [ "$scenario" = "$file" ] || header="Accept-Encoding: ${scenario#*:}"
    : >"$work/s" ; : >"$work/n"
    for _ in $(seq "$rounds"); do
        run staticd "$file" "$header" >>"$work/s"
        run nginx "$file" "$header" >>"$work/n"
    done
    s_rps=$(cut -d' ' -f1 "$work/s" | median); n_rps=$(cut -d' ' -f1 "$work/n" | median)
    s_cpu=$(cut -d' ' -f2 "$work/s" | median); n_cpu=$(cut -d' ' -f2 "$work/n" | median)
    awk -v f="$scenario" -v a="$s_rps" -v b="$n_rps" -v c="$s_cpu" -v d="$n_cpu" \
        'BEGIN {printf "| %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f |\n", f, a, b, a / b, c, d, d / c}'
done
