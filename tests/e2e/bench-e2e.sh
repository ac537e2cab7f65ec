#!/bin/bash
# bench-e2e.sh - end-to-end throughput: a postbulk campaign against bare Postfix
#
# SYNOPSIS
#	tests/e2e/bench-e2e.sh [MESSAGES [SESSIONS]]	(make bench-e2e; as root)
#
# DESCRIPTION
#	One private Postfix instance (tests/e2e/stack.sh, wired by
#	postbulk-conf apply), one run, two paths, both delivering through the
#	same smtp(8) transport to Postfix's smtp-sink:
#	  bare      smtp-source -s SESSIONS -m MESSAGES -l SIZE into the lab's
#	            plain smtpd listener (no policy, no milter);
#	  postbulk  postbulk-submit campaign, MESSAGES rows, SESSIONS
#	            connections, into the postbulk listener: policyd on every
#	            RCPT (rate rules present but without limits for the bench
#	            domain), the milter merging the Korean HTML template,
#	            VERP, List-Unsubscribe, DKIM rsa-2048, one message record
#	            per recipient, and the outcome follower updating them.
#	SIZE is the size Postfix logged for the merged, signed campaign
#	messages, so both paths move messages of the same size. The two paths
#	alternate for BENCH_E2E_ROUNDS rounds (2); the times are summed. Each
#	time runs
#	from the first connection until the sink has every message and the
#	queue is empty. The lab lives on tmpfs (LAB_TMPDIR=/tmp for a disk
#	queue). Ends with the line
#	  BENCH e2e mps=N bare_mps=N ratio=N
#
# EXIT STATUS
#	0 when both runs delivered everything; 1 otherwise; 77 not root.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
export POSTBULK_TOP=$top
N=${1:-${BENCH_E2E_MESSAGES:-3000}}
S=${2:-${BENCH_E2E_SESSIONS:-8}}
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "bench-e2e: needs root (private Postfix)"; exit 77; }
export STACK_DKIM_ALGS=rsa
export STACK_EXTRA_CF="submit_connections = $S
conf_listener_process_limit = $((S + 4))"
. "$top/tests/e2e/stack.sh"

die() { echo "bench-e2e: $*" >&2; exit 1; }
stack_start || die "the stack did not start"
SINK=$(lab_free_port)
lab_bg smtp-sink -u postfix 127.0.0.1:"$SINK" 1000 >"$LAB/log/smtp-sink.log" 2>&1
lab_wait_port "$SINK" 10 || die "smtp-sink did not start"
lab_postconf "relayhost = [127.0.0.1]:$SINK" "default_destination_concurrency_limit = 20" || die "postconf"
lab_reload || die "postfix reload"

sent() { lab_maillog_count "postfix/smtp\[[0-9]+\]: .*relay=127\.0\.0\.1\[127\.0\.0\.1\]:$SINK, .*status=sent"; }
done_at() { _lab_queue_empty && [ "$(sent)" -ge "$1" ]; }
ms() { echo "${EPOCHREALTIME/./}" | cut -c1-13; }

# --- the campaign list: N rows in a domain without a group (default
# transport, the same path smtp-source's mail takes)
"$PY" - "$N" "$STACK/bench.csv" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", encoding="utf-8") as f:
    f.write("email,name,grade,coupon\n")
    for i in range(1, n + 1):
        f.write("b%06d@bench.example,김민준%d,골드,BENCH-%06d\n" % (i, i, i))
EOF

# --- ROUNDS rounds, each: the postbulk path, then the bare path
ROUNDS=${BENCH_E2E_ROUNDS:-2}
pb_ms=0 bare_ms=0 size=
for ((r = 1; r <= ROUNDS; r++)); do
    base=$(sent)
    t0=$(ms)
    stack_campaign "bench$r" "$STACK/bench.csv" --connections "$S" ||
        { cat "$STACK/out/bench$r.err" >&2; die "postbulk-submit failed"; }
    lab_wait_for 600 done_at $((base + N)) || die "postbulk path: only $(( $(sent) - base )) of $N delivered"
    t1=$(ms)
    pb_ms=$((pb_ms + t1 - t0))
    echo "round $r postbulk: $((t1 - t0)) ms; $(sed 's/^postbulk-submit: //' "$STACK/out/bench$r.summary")"
    if [ -z "$size" ]; then
        size=$(grep -E 'postfix/qmgr\[[0-9]+\]: [0-9A-F]+: from=<bounce\+m\.' "$LAB_MAILLOG" |
            sed -n 's/.*, size=\([0-9]*\),.*/\1/p' | awk '{ s += $1; n++ } END { if (n) printf "%d", s / n }')
        [ -n "$size" ] || die "no campaign message size in the maillog"
    fi

    base=$(sent)
    t0=$(ms)
    smtp-source -s "$S" -m "$N" -l "$size" -f bench@shop.example.co.kr -t bare@bench.example \
        127.0.0.1:"$LAB_SMTP_PORT" || die "smtp-source failed"
    lab_wait_for 600 done_at $((base + N)) || die "bare path: only $(( $(sent) - base )) of $N delivered"
    t1=$(ms)
    bare_ms=$((bare_ms + t1 - t0))
    echo "round $r bare:     $((t1 - t0)) ms"
done
recs=$(stack_cli status bench1 2>/dev/null | awk '$1 == "total" { print $2 }')
N=$((N * ROUNDS))

mps=$(awk -v n="$N" -v t="$pb_ms" 'BEGIN { printf "%.0f", n * 1000 / t }')
bare=$(awk -v n="$N" -v t="$bare_ms" 'BEGIN { printf "%.0f", n * 1000 / t }')
ratio=$(awk -v a="$pb_ms" -v b="$bare_ms" 'BEGIN { printf "%.2f", b / a }')
echo "postbulk path: $N messages in $pb_ms ms (merge, VERP, DKIM rsa-2048, policy on every RCPT, $recs records per round), $S connections"
echo "bare path:     $N messages of $size bytes in $bare_ms ms (smtp-source -s $S)"
echo "lab: $LAB (tmpfs unless LAB_TMPDIR is set), $(nproc) CPUs"
lab_cleanup
echo "BENCH e2e mps=$mps bare_mps=$bare ratio=$ratio"
