#!/bin/bash
# bench-fakemx.sh - throughput of the fake MX and start/stop time of a lab
#
# Usage: tests/lab/bench-fakemx.sh [MESSAGES=5000] [SESSIONS=50] [SIZE=2000]
# Sends MESSAGES with smtp-source (postfix package) straight to the fake MX,
# once with one message per connection and once with all messages over
# SESSIONS long sessions; then times lab_fakemx_start + lab_start and
# lab_cleanup over 3 rounds. Ends with one line:
#   BENCH lab fakemx_newconn_msgs_per_s=N fakemx_reuse_msgs_per_s=N lab_up_ms=N lab_down_ms=N
set -u
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export POSTBULK_TOP=$top
N=${1:-5000} S=${2:-50} L=${3:-2000}
us() { echo "${EPOCHREALTIME/./}"; }

fakemx_rate() {	# mode: "" (connection per message) or -d (reuse)
    (
        . "$top/tests/lab/lab.sh"
        lab_fakemx_start >&2 || exit 1
        t0=$(us)
        smtp-source $1 -s "$S" -m "$N" -l "$L" -f bench@lab.test -t u@bench.test \
            "127.0.0.1:$LAB_MX_PORT" >&2 || exit 1
        t1=$(us)
        got=$(lab_mx_count bench.test)
        [ "$got" = "$N" ] || { echo "bench: fake MX stored $got of $N" >&2; exit 1; }
        echo $(( N * 1000000 / (t1 - t0) ))
    )
}
newconn=$(fakemx_rate "") || exit 1
reuse=$(fakemx_rate -d) || exit 1

up=0 down=0
for _ in 1 2 3; do
    r=$(
        . "$top/tests/lab/lab.sh"
        t0=$(us); lab_fakemx_start >&2 && lab_start >&2 || exit 1; t1=$(us)
        lab_cleanup; t2=$(us)
        echo "$(( (t1 - t0) / 1000 )) $(( (t2 - t1) / 1000 ))"
    ) || exit 1
    up=$((up + ${r% *})) down=$((down + ${r#* }))
done
echo "BENCH lab fakemx_newconn_msgs_per_s=$newconn fakemx_reuse_msgs_per_s=$reuse lab_up_ms=$((up / 3)) lab_down_ms=$((down / 3))"
