#!/usr/bin/env bash
# Requests per second, CPU time, memory and system calls per request: staticd
# next to lighttpd and nginx and next to a constant "Hello, World!" server (the
# ceiling).
#
#   tests/bench.sh [SECONDS] [ROUNDS]     (make bench; defaults 5 and 3)
#   STATICD_BIN=path/to/staticd tests/bench.sh 2 1
#
# Each server runs alone, pinned to one CPU with one worker; wrk runs pinned to
# another CPU. Rounds interleave the servers (staticd, lighttpd, nginx,
# constant, staticd, ...) so that a slow patch of the machine hits them all alike, and
# the table shows the median of the rounds. CPU time per request is the
# server's utime+stime from /proc over the requests wrk counted, which is far
# steadier on a shared machine than requests per second.
#
# Prints Markdown to stdout (pasteable into a README as is) and progress to
# stderr. Everything lives in one temp dir, removed on exit, Ctrl-C included.
set -euo pipefail

secs=${1:-5}
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${STATICD_BIN:-$here/target/release/staticd}
port_s=18480 port_n=18481 port_c=18482 port_l=18483 # fixed, one per server: a leftover is seen, not reused
conns=64                               # wrk connections, but for the 1,000-connection scenario
strace_secs=2 strace_conns=16          # strace slows the server; a short run gives a stable count

say() { echo "bench: $*" >&2; }
die() { say "$@"; exit 1; }

[[ $secs =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] || die "usage: tests/bench.sh [SECONDS] [ROUNDS]"

# --- Tools: install what is missing on a fresh Debian/Ubuntu when we may. ---
need_tools() {
    local missing=() tool
    declare -A pkg=([wrk]=wrk [nginx]=nginx [lighttpd]=lighttpd [strace]=strace [curl]=curl [cc]=gcc
        [taskset]=util-linux [gzip]=gzip [awk]=gawk)
    for tool in "${!pkg[@]}"; do
        PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null || missing+=("${pkg[$tool]}")
    done
    # Debian ships lighttpd's deflate module in a package of its own.
    [ -e /usr/lib/lighttpd/mod_deflate.so ] || missing+=(lighttpd-mod-deflate)
    [ ${#missing[@]} -eq 0 ] && return
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        say "installing ${missing[*]}"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2 ||
            die "apt-get install ${missing[*]} failed"
    else
        die "missing tools; install them first: apt-get install -y ${missing[*]}"
    fi
}
need_tools
PATH=$PATH:/usr/sbin # lighttpd lives there, outside a user's PATH
[ -x "$bin" ] || die "no $bin; build first (make), or set STATICD_BIN"

# Two CPUs from our affinity mask: the first for the server, the second for wrk.
mapfile -t cpus < <(awk '/^Cpus_allowed_list/ { n = split($2, r, ",");
    for (i = 1; i <= n; i++) { split(r[i], b, "-"); for (c = b[1]; c <= (b[2] == "" ? b[1] : b[2]); c++) print c } }' /proc/self/status)
[ ${#cpus[@]} -ge 2 ] || die "needs 2 CPUs, has ${#cpus[@]}"
srv_cpu=${cpus[0]} wrk_cpu=${cpus[1]}

# 1,000 connections need 1,000 descriptors in wrk and in the server, plus slack.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 4096 ] || die "ulimit -n is $(ulimit -n); needs 4096"

# --- Clean-up: every background process goes in pids; none may outlive us. ---
pids=()
work=$(mktemp -d "${TMPDIR:-/tmp}/staticd-bench.XXXXXX")
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# forget PID: take a reaped process out of pids (its number may be reused).
forget() {
    local p keep=()
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=("${keep[@]}")
}
# stop PID: SIGTERM, SIGKILL after 5 s; returns once it has exited and been reaped.
stop() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do running "$pid" || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget "$pid"
}
cleanup() {
    local pid
    trap - INT TERM
    for pid in "${pids[@]}"; do stop "$pid"; done
    rm -rf "$work"
}
trap cleanup EXIT
# Background jobs of a script ignore SIGINT, so Ctrl-C reaches only wrk or
# sleep; exiting runs cleanup, which stops the servers and strace.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- The document root, the nginx config and the constant server. ---
mkdir -p "$work/www" "$work/nginx" "$work/lighttpd"
printf 'Hello, World!' >"$work/www/13.txt"
head -c 3072 /dev/urandom | base64 -w0 | head -c 4096 >"$work/www/4k.txt"
head -c 12288 /dev/urandom | base64 -w0 | head -c 16384 >"$work/www/16k.txt"
head -c 1048576 /dev/urandom >"$work/www/1m.bin"
# 64 KiB of text that compresses like real markup: varied words, not one repeated line.
awk 'BEGIN { srand(7); for (i = 0; i < 2000; i++) printf "<li class=\"item-%d\">entry %d of %d: %x</li>\n", i % 37, i, int(rand() * 1e6), int(rand() * 1e9) }' >"$work/www/64k.txt"
truncate -s 65536 "$work/www/64k.txt"

# nginx as close to staticd -t 1 as it goes: one worker, no master, sendfile,
# cached opens, no access log, gzip at its fastest level, keep-alive unbounded.
# staticd compresses once per file (at its default level), nginx per response.
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
    keepalive_requests 1000000000;
    gzip on; gzip_comp_level 1; gzip_types text/plain; gzip_min_length 256;
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
    fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
    types { text/plain txt; application/octet-stream bin; }
    server { listen 127.0.0.1:$port_n reuseport backlog=4096; root $work/www; }
}
NGINX

# lighttpd configured like nginx: one process (max-worker 0), sendfile, its
# stat cache, no access log (mod_accesslog not loaded), deflate (gzip and
# deflate) at level 1 per response, keep-alive as long as it allows.
cat >"$work/lighttpd/lighttpd.conf" <<LIGHTTPD
server.document-root = "$work/www"
server.bind = "127.0.0.1"
server.port = $port_l
server.max-worker = 0
server.network-backend = "sendfile"
server.stat-cache-engine = "simple"
server.max-connections = 4096
server.max-fds = 8192
server.listen-backlog = 4096
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 60
server.errorlog = "$work/lighttpd/error.log"
server.pid-file = "$work/lighttpd/lighttpd.pid"
server.modules = ( "mod_deflate" )
deflate.mimetypes = ( "text/plain" )
deflate.allowed-encodings = ( "gzip", "deflate" )
deflate.compression-level = 1
deflate.min-compress-size = 256
mimetype.assign = ( ".txt" => "text/plain", ".bin" => "application/octet-stream" )
LIGHTTPD

cc -O2 -o "$work/constant" "$here/tests/bench/constant.c" || die "cannot compile tests/bench/constant.c"

help=$("$bin" --help 2>&1 || true)
access_log=no
[[ $help == *--access-log* ]] && access_log=yes

# --- Scenarios. describe KEY sets: label, file, servers, hdrs (wrk and curl
# headers), script and script_args (wrk's -s and what follows the URL), nconn
# (wrk connections), sargs (more staticd arguments). ---
describe() {
    label='' file=13.txt servers=(staticd lighttpd nginx constant) hdrs=() script=() script_args=() nconn=$conns sargs=()
    case $1 in
    s13) label="13 B" ;;
    alog) label="13 B, access log on" servers=(staticd) sargs=(--access-log "$work/access.log") ;;
    s4k) label="4 KiB" file=4k.txt servers=(staticd lighttpd nginx) ;;
    s16k) label="16 KiB" file=16k.txt servers=(staticd lighttpd nginx) ;;
    s64k) label="64 KiB text, gzip" file=64k.txt servers=(staticd lighttpd nginx) hdrs=(-H "Accept-Encoding: gzip") ;;
    s1m) label="1 MiB" file=1m.bin servers=(staticd lighttpd nginx) ;;
    close) label="13 B, Connection: close" hdrs=(-H "Connection: close") ;;
    pipe) label="13 B, 16-deep pipelined" script=(-s "$here/tests/bench/pipeline.lua") script_args=(-- 16) ;;
    c1000) label="13 B, 1,000 connections" nconn=1000 ;;
    esac
}
scenarios=(s13)
[ $access_log = yes ] && scenarios+=(alog)
scenarios+=(s4k s16k s64k s1m close pipe c1000)

port_of() { case $1 in staticd) echo $port_s ;; nginx) echo $port_n ;; constant) echo $port_c ;; lighttpd) echo $port_l ;; esac; }

# start SERVER: start it pinned to srv_cpu, wait until it answers (the one
# request before idle RSS); sets srv_pid and port.
start() {
    local name=$1 i
    port=$(port_of "$name")
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "port $port is already taken"
    case $name in
    staticd) taskset -c "$srv_cpu" "$bin" -l "127.0.0.1:$port" -t 1 "${sargs[@]}" "$work/www" 2>>"$work/staticd.log" & ;;
    nginx) taskset -c "$srv_cpu" nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" & ;;
    lighttpd) taskset -c "$srv_cpu" lighttpd -D -f "$work/lighttpd/lighttpd.conf" 2>>"$work/lighttpd.log" & ;;
    constant) taskset -c "$srv_cpu" "$work/constant" "$port" 2>>"$work/constant.log" & ;;
    esac
    srv_pid=$!
    pids+=("$srv_pid")
    for ((i = 0; i < 100; i++)); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/13.txt" && return
        running "$srv_pid" || break
        sleep 0.05
    done
    die "$name did not come up on port $port (logs: $(tail -n3 "$work"/*.log "$work/nginx/error.log" "$work/lighttpd/error.log" 2>/dev/null))"
}

# check SERVER: one response over curl, the way wrk will ask; prints what is
# wrong (status, length, body, headers), nothing when it is right.
check() {
    local got status size want=$work/www/$file
    got=$(curl -s -o "$work/body" -D "$work/head" -w '%{http_code} %{size_download}' "${hdrs[@]}" "http://127.0.0.1:$port/$file") ||
        { echo "curl failed"; return; }
    read -r status size <<<"$got"
    [ "$1" = constant ] && { printf 'Hello, World!' >"$work/want"; want=$work/want; }
    [ "$status" = 200 ] || { echo "status $status"; return; }
    if [[ ${hdrs[*]} == *gzip* && $1 != constant ]]; then
        grep -qi '^content-encoding: *gzip' "$work/head" || { echo "not gzipped ($size bytes)"; return; }
        gzip -dc <"$work/body" | cmp -s - "$want" || echo "gzip body is wrong ($size bytes)"
    else
        cmp -s "$work/body" "$want" || echo "length $size, want $(stat -c %s "$want")"
    fi
    if [[ ${hdrs[*]} == *close* ]]; then
        grep -qi '^connection: *close' "$work/head" || echo "no Connection: close"
    fi
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# wrk_errors FILE: "connect read write timeout non2xx" from wrk's output.
wrk_errors() {
    awk '/Socket errors/ { gsub(",", ""); c = $4; r = $6; w = $8; t = $10 }
         /Non-2xx/ { n = $NF } END { printf "%d %d %d %d %d\n", c, r, w, t, n }' "$1"
}

# measure SERVER: one round of the current scenario. Appends to
# $work/res.SERVER "req/s µs-cpu/req rss-halfway connect read write timeout
# non2xx wrk-cpu-%"; a failed check goes to $work/bad.SERVER.
measure() {
    local name=$1 before after requests rps problem wrk_pid w1 w2 t1 t2 wrk_cpu_pct
    start "$name"
    problem=$(check "$name")
    [ -z "$problem" ] || { say "$label, $name: $problem"; echo "$problem" >>"$work/bad.$name"; }
    before=$(cpu_ticks "$srv_pid")
    taskset -c "$wrk_cpu" wrk -t1 -c"$nconn" -d"${secs}s" "${hdrs[@]}" "${script[@]}" \
        "http://127.0.0.1:$port/$file" "${script_args[@]}" >"$work/wrk.out" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
        # wrk's own CPU use over the middle of the run: near 100 %, the client is
    # the limit and req/s no longer tells the servers apart (CPU/req still does).
    sleep "$(awk -v s="$secs" 'BEGIN { print s / 4 }')"
    w1=$(cpu_ticks "$wrk_pid" 2>/dev/null || echo 0) t1=$(date +%s.%N)
    # Memory with every connection open: sampled halfway through the run.
    sleep "$(awk -v s="$secs" 'BEGIN { print s / 4 }')"
    running "$srv_pid" || die "$name exited during \"$label\" (logs: $(tail -n3 "$work"/*.log "$work/nginx/error.log" "$work/lighttpd/error.log" 2>/dev/null))"
    rss_kib "$srv_pid" >"$work/rss"
    sleep "$(awk -v s="$secs" 'BEGIN { print s * 0.35 }')"
    w2=$(cpu_ticks "$wrk_pid" 2>/dev/null || echo 0) t2=$(date +%s.%N)
    wrk_cpu_pct=$(awk -v a="$w1" -v b="$w2" -v t1="$t1" -v t2="$t2" -v hz="$(getconf CLK_TCK)" \
                'BEGIN { printf "%.0f", ((b >= a && t2 > t1) ? (b - a) / hz / (t2 - t1) * 100 : 0) }')
    wait "$wrk_pid" || die "wrk failed: $(cat "$work/wrk.out")"
    forget "$wrk_pid"
    after=$(cpu_ticks "$srv_pid")
    stop "$srv_pid"
    if [ "$name" = staticd ] && [ ${#sargs[@]} -gt 0 ]; then
        [ -s "$work/access.log" ] || echo "access log empty" >>"$work/bad.$name"
        rm -f "$work/access.log"
    fi
    requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
    [[ $requests =~ ^[1-9][0-9]*$ ]] || die "$label, $name: wrk served nothing: $(cat "$work/wrk.out")"
    echo "$rps $(awk -v t=$((after - before)) -v n="$requests" -v hz="$(getconf CLK_TCK)" \
                'BEGIN {printf "%.2f", t / hz * 1e6 / n}') $(cat "$work/rss") $(wrk_errors "$work/wrk.out") $wrk_cpu_pct" >>"$work/res.$name"
}

# median COLUMN FILE: median of one column (the lower middle for an even count).
median() { cut -d' ' -f"$1" "$2" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# errors: the errors column: wrk's errors and failed checks, summed over the
# rounds, per server; "0" when there were none.
errors() {
    local name out=() e
    for name in "${servers[@]}"; do
        e=$(awk '{c += $4; r += $5; w += $6; t += $7; n += $8}
            END { s = ""; if (c) s = s " connect " c; if (r) s = s " read " r; if (w) s = s " write " w
                  if (t) s = s " timeout " t; if (n) s = s " non-2xx " n; print substr(s, 2) }' "$work/res.$name")
        [ -s "$work/bad.$name" ] && e="${e:+$e, }$(sort -u "$work/bad.$name" | paste -sd, -)"
        [ -z "$e" ] || out+=("$name: $e")
    done
    if [ ${#out[@]} -eq 0 ]; then echo 0; else printf '%s; ' "${out[@]}" | sed 's/; $//'; fi
}

# --- The header line. ---
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), Linux $(uname -r), ${cpu_model:-unknown CPU}, $(nproc) CPUs;" \
    "$("$bin" --version 2>&1 | head -n1), $(lighttpd -v 2>&1 | awk 'NR == 1 {print $1}'), $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | awk 'NR == 1 {print $1, $2}');" \
    "median of $rounds rounds of ${secs} s"
echo

# --- Requests per second and CPU per request. ---
echo "| scenario | staticd req/s | lighttpd req/s | nginx req/s | constant req/s | staticd/lighttpd | staticd/nginx | staticd/constant | staticd µs CPU/req | lighttpd µs CPU/req | nginx µs CPU/req | constant µs CPU/req | wrk CPU % (staticd, lighttpd, nginx) | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
declare -A rss1000=() nginx_rps=()
for key in "${scenarios[@]}"; do
    describe "$key"
    rm -f "$work"/res.* "$work"/bad.*
    for ((r = 1; r <= rounds; r++)); do
        for name in "${servers[@]}"; do
            say "$label: round $r/$rounds, $name"
            measure "$name"
        done
    done
        declare -A rps=() cpu=() wcpu=()
    for name in staticd lighttpd nginx constant; do
        [ -s "$work/res.$name" ] || continue
        rps[$name]=$(median 1 "$work/res.$name")
        cpu[$name]=$(median 2 "$work/res.$name")
        wcpu[$name]=$(median 9 "$work/res.$name")
        [ "$key" = c1000 ] && rss1000[$name]=$(median 3 "$work/res.$name")
    done
    nginx_rps[$key]=${rps[nginx]:-}
    awk -v l="$label" -v s="${rps[staticd]:-}" -v li="${rps[lighttpd]:-}" -v n="${rps[nginx]:-}" -v c="${rps[constant]:-}" \
        -v cs="${cpu[staticd]:-}" -v cl="${cpu[lighttpd]:-}" -v cn="${cpu[nginx]:-}" -v cc="${cpu[constant]:-}" -v e="$(errors)" \
        -v ws="${wcpu[staticd]:-}" -v wl="${wcpu[lighttpd]:-}" -v wn="${wcpu[nginx]:-}" '
        function num(x) { return x == "" ? "" : sprintf("%.0f", x) }
        function ratio(a, b) { return a == "" || b == "" ? "" : sprintf("%.2f", a / b) }
        BEGIN { w = ws (wl == "" ? "" : ", " wl) (wn == "" ? "" : ", " wn)
                printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                l, num(s), num(li), num(n), num(c), ratio(s, li), ratio(s, n), ratio(s, c), cs, cl, cn, cc, w, e }'
    unset rps cpu wcpu
done
echo
echo "wrk -t1 -c$conns (-c1000 for 1,000 connections), pinned to CPU $wrk_cpu; each server alone on CPU $srv_cpu" \
        "with one worker. CPU µs/req: the server's user+system time over the requests served. wrk CPU %: the load" \
    "generator's own CPU use over the middle of the run (near 100 %, wrk is the limit, not the server). Errors: wrk's" \
    "socket errors and non-2xx responses over all rounds, and failed response checks."
# Seen on Linux with nginx 1.22: with sendfile and tcp_nopush (TCP_CORK) on, a
# pipelined batch stalls for a delayed ACK (~40 ms); say so rather than let the
# ratio speak alone.
if awk -v p="${nginx_rps[pipe]}" -v k="${nginx_rps[s13]}" 'BEGIN { exit !(p < k) }'; then
    echo "nginx answered pipelined requests slower than one at a time: with sendfile and tcp_nopush on," \
        "its pipelined batches wait on a delayed ACK (about 40 ms); tcp_nopush off avoids it."
fi
echo

# --- Memory and system calls. ---
declare -A idle=()
describe s13
for name in staticd lighttpd nginx constant; do
    start "$name"
    idle[$name]=$(rss_kib "$srv_pid")
    stop "$srv_pid"
done

# syscalls SERVER: appends "calls-per-request top-calls" for the current
# scenario to $work/sys.SERVER, from strace -f -c attached during a short wrk run.
syscalls() {
    local name=$1 strace_pid requests i
    start "$name"
    strace -f -c -q -o "$work/strace.out" -p "$srv_pid" &
    strace_pid=$!
    pids+=("$strace_pid")
    # wrk must not start before every thread is traced.
    for ((i = 0; i < 200; i++)); do
        ! grep -q '^TracerPid:[[:space:]]*0$' "/proc/$srv_pid"/task/*/status && break
        sleep 0.05
    done
    taskset -c "$wrk_cpu" wrk -t1 -c"$strace_conns" -d"${strace_secs}s" "${hdrs[@]}" "${script[@]}" \
        "http://127.0.0.1:$port/$file" "${script_args[@]}" >"$work/wrk.out" 2>&1 || die "wrk failed: $(cat "$work/wrk.out")"
    kill -INT "$strace_pid"
    wait "$strace_pid" || true
    forget "$strace_pid"
    stop "$srv_pid"
    requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
    awk -v n="$requests" '
        $NF == "total" { total = $4 }
        /^-/ { dashes++; next }
        dashes == 1 && NF >= 5 { calls[$NF] = $4 }
        END {
            printf "%.2f\t", total / n
            for (k = 0; k < 3; k++) {        # the three most frequent calls
                best = ""; for (c in calls) if (best == "" || calls[c] > calls[best]) best = c
                if (best == "") break
                printf "%s%s %.2f", k ? ", " : "", best, calls[best] / n; delete calls[best]
            }
            print ""
        }' "$work/strace.out" >"$work/sys"
}

declare -A sys=() top=()
for key in s13 close pipe; do
    describe "$key"
    for name in staticd lighttpd nginx constant; do
        say "strace: $label, $name"
        syscalls "$name"
        IFS=$'\t' read -r "sys[$key.$name]" "top[$key.$name]" <"$work/sys"
    done
done

echo "| | staticd | lighttpd | nginx | constant |"
echo "|---|---:|---:|---:|---:|"
echo "| idle RSS, KiB | ${idle[staticd]} | ${idle[lighttpd]} | ${idle[nginx]} | ${idle[constant]} |"
echo "| RSS at 1,000 connections, KiB | ${rss1000[staticd]:-} | ${rss1000[lighttpd]:-} | ${rss1000[nginx]:-} | ${rss1000[constant]:-} |"
echo "| binary size, bytes | $(stat -c %s "$bin") | | | |"
for key in s13 close pipe; do
    describe "$key"
    echo "| syscalls/request¹, $label | ${sys[$key.staticd]} | ${sys[$key.lighttpd]} | ${sys[$key.nginx]} | ${sys[$key.constant]} |"
done
echo
echo "¹ strace -f -c attached to the server for a ${strace_secs} s wrk run with $strace_conns connections; all" \
    "system calls, start-up excluded, over the requests served. strace slows the server a lot, the count" \
    "per request is what matters. Most frequent calls per request:"
echo
for key in s13 close pipe; do
    describe "$key"
    for name in staticd lighttpd nginx constant; do
        echo "- $label, $name: ${top[$key.$name]}"
    done
done

# Anything the servers said beyond their start-up lines is worth a look.
if grep -v 'serving' "$work/staticd.log" 2>/dev/null | grep -q .; then
    say "staticd said: $(grep -v 'serving' "$work/staticd.log" | sort | uniq -c | head -n5)"
fi
if grep -v 'server started\|server stopped\|graceful shutdown' "$work/lighttpd/error.log" 2>/dev/null | grep -q .; then
    say "lighttpd error.log: $(cut -d' ' -f3- "$work/lighttpd/error.log" | sort | uniq -c | head -n5)"
fi
if grep -q . "$work/nginx/error.log" 2>/dev/null; then
    say "nginx error.log: $(sort "$work/nginx/error.log" | cut -c21- | uniq -c | head -n5)"
fi
