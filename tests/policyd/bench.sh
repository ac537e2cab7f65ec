#!/bin/bash
# bench.sh - "make bench-policyd": postbulk-policyd under load, and postfwd
# (Debian) with an equivalent per-recipient-domain rate rule in the same run.
#
# policyd: 1M-entry suppression table (10 % of the 100k recipients are in
# it; measured once policyd's in-memory suppression filter is built), duplicate guard on (campaign-tagged sender, some recorded
# recipients), 100 recipient domains in 10 rate-limited groups with daily
# caps and a warm-up ramp, the reputation guard on. pol_bench drives it
# over 1, 4 and 16 persistent connections (unix socket, as Postfix would).
# Every pol_bench line carries client_cpu_us_per_req (the generator shares
# the two cores with the server) and, here, server_cpu_us_per_req (utime +
# stime of the server over the run): judge changes by those, not by rps
# alone, when the machine is shared. "policyd-event-client" repeats the
# 4-connection run with pol_bench -e (all connections in one thread) for
# the server's cost under a cheaper generator.
# postfwd: rate(recipient_domain/...) rule, absolute rules path, checked to
# really defer some requests before its figure is trusted.
# Last line: BENCH policyd rps=N p99_us=N peer=postfwd peer_rps=N ratio=N
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export POSTBULK_TOP=$top
POL_TRAP=1
. "$top/tests/policyd/pollib.sh"
SECS=${BENCH_SECS:-4}
PFW_PID=
PFW_DIR=
bench_cleanup() {
    if [ -n "$PFW_PID" ] && kill -0 "$PFW_PID" 2>/dev/null; then
        kill -TERM "$PFW_PID"; for _ in $(seq 1 50); do kill -0 "$PFW_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PFW_PID" 2>/dev/null
    fi
    pol_cleanup
}
pol_init
trap bench_cleanup EXIT INT TERM
# Groups g0..g9, 10 domains each; high rates so that part of the load is deferred.
{
    printf '[default]\nrate_per_minute = 600000\ndaily_cap = 100000000\n'
    for g in $(seq 0 9); do
        printf '[g%d]\ndomains =' "$g"
        for d in $(seq 0 9); do printf ' d%d.test' $((g * 10 + d)); done
        printf '\nrate_per_minute = %d\nrate_per_hour = 100000000\ndaily_cap = 100000000\n' $((150000 + g * 30000))
        printf 'warmup_start = 2026-01-01\nwarmup_steps = 50000000, 100000000\n'
    done
} >"$POL_TABLE"
pol_cf 'policyd_persist_interval = 10s' 'policyd_guard_refresh = 5s'
echo "bench: loading 1,000,000 suppressions ..." >&2
t0=$(date +%s.%N)
pol_db supp-bulk 1000000 100 90000 >/dev/null || { echo "bench: supp-bulk failed" >&2; exit 1; }
echo "bench: loaded in $(echo "$(date +%s.%N) - $t0" | bc) s" >&2
sender=$("$POL_TOOL" "$POL_KEY" token-address c spring-sale bounce bounces.lab.test)
for i in 1 2 3 4 5; do pol_db msg-put m$i user$i@d$i.test spring-sale; done
pol_db campaign-put spring-sale news@shop.test
day=$(date -u +%F)
pol_db counter-put sent/shop.test/$day 100000
pol_db counter-put hard/shop.test/$day 100
rm -f "$POL_CLOCK"
POL_FAKE= pol_start || exit 1
# Steady state: the in-memory suppression filter is built in slices after
# start (policyd_suppression_filter); measure once it answers.
t0=$(date +%s.%N)
for _ in $(seq 1 600); do grep -q 'suppression filter ready' "$POL_LOG" && break; sleep 0.1; done
grep -q 'suppression filter ready' "$POL_LOG" || { echo "bench: suppression filter not ready after 60 s" >&2; exit 1; }
echo "bench: $(grep -o 'suppression filter ready.*' "$POL_LOG" | tail -1) (waited $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s)" >&2
# CPU ticks (utime + stime) of a process: a load-independent figure.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
for c in 1 4 16; do
    t0=$(cpu_ticks "$POL_PID")
    out=$("$top/policyd/pol_bench" -s "unix:$POL_SOCK" -c $c -t "$SECS" -f "$sender") || {
        echo "bench: pol_bench failed: $out" >&2; exit 1; }
    t1=$(cpu_ticks "$POL_PID")
    n=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$out")
    cpu=$(( (t1 - t0) * 1000000 / hz * 10 / (n > 0 ? n : 1) ))
    echo "policyd $out server_cpu_us_per_req=$((cpu / 10)).$((cpu % 10))"
    [ $c = 4 ] && pol4=$out
done
t0=$(cpu_ticks "$POL_PID")
out=$("$top/policyd/pol_bench" -s "unix:$POL_SOCK" -c 4 -t "$SECS" -f "$sender" -e) || {
    echo "bench: pol_bench -e failed: $out" >&2; exit 1; }
t1=$(cpu_ticks "$POL_PID")
n=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$out")
cpu=$(( (t1 - t0) * 1000000 / hz * 10 / (n > 0 ? n : 1) ))
echo "policyd-event-client $out server_cpu_us_per_req=$((cpu / 10)).$((cpu % 10))"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
nlog=$(grep -c 'policy=' "$POL_LOG")
echo "policyd: $nlog decision log lines written during the run"
pol_stop
# The rules alone, in-process (no socket round trip), all rules on.
dec=$("$top/policyd/pol_unit_test" decide "$POL_CF" 300000 "$sender") || exit 1
echo "policyd-rules-in-process $dec"
pol_fix_owner
# Reference on the same machine and load: every rule off (protocol + event
# loop only), 4 connections.
pol_cf 'policyd_suppression_check = no' 'policyd_duplicate_check = no' \
    'policyd_rate_check = no' 'policyd_guard = no'
POL_FAKE= pol_start || exit 1
ref=$("$top/policyd/pol_bench" -s "unix:$POL_SOCK" -c 4 -t "$SECS" -f "$sender") || exit 1
echo "policyd-rules-off $ref"
pol_stop

# The peer: postfwd with an equivalent per-domain rate rule.
PFW_DIR=$POL_DIR/postfwd; mkdir -p "$PFW_DIR"; chmod 755 "$PFW_DIR"
cat >"$PFW_DIR/postfwd.cf" <<'R'
id=DOMRATE; protocol_state==RCPT; action=rate(recipient_domain/20/60/DEFER_IF_PERMIT 4.7.1 rate limit reached)
R
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pfw=$(command -v postfwd2 || command -v postfwd)
[ -n "$pfw" ] || { echo "bench: postfwd not installed (make deps)" >&2; exit 1; }
"$pfw" --file="$PFW_DIR/postfwd.cf" --interface=127.0.0.1 --port="$port" \
    --user=nobody --group=nogroup --pidfile="$PFW_DIR/postfwd.pid" --cache=0 \
    --no_parent_request_cache --nodns --perfmon >"$PFW_DIR/postfwd.log" 2>&1
for _ in $(seq 1 100); do [ -s "$PFW_DIR/postfwd.pid" ] && break; sleep 0.05; done
PFW_PID=$(cat "$PFW_DIR/postfwd.pid" 2>/dev/null)
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
peer=$("$top/policyd/pol_bench" -s "inet:127.0.0.1:$port" -c 4 -t "$SECS" -f bulk@shop.test) || {
    echo "bench: postfwd run failed: $peer" >&2; cat "$PFW_DIR/postfwd.log" >&2; exit 1; }
echo "postfwd $peer"
kill -TERM "$PFW_PID" 2>/dev/null
pdefer=$(sed -n 's/.* defer=\([0-9]*\).*/\1/p' <<<"$peer")
if [ "${pdefer:-0}" -le 0 ]; then
    echo "bench: postfwd deferred nothing: its rule is not applied, figure not trusted" >&2
    exit 1
fi
rps=$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' <<<"$pol4")
p99=$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$pol4")
prps=$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' <<<"$peer")
ratio=$(( rps / (prps > 0 ? prps : 1) ))
echo "BENCH policyd rps=$rps p99_us=$p99 peer=postfwd peer_rps=$prps ratio=$ratio"
