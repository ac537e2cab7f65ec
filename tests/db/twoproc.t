#!/bin/bash
# twoproc.t - two processes write and read the store together in a
# deadlock-prone pattern (each transaction updates two shared counters,
# in opposite orders in the two processes, plus a shared @domain
# suppression and its own message); every write must be there at the end.
# Also: a waiter on a lock held too long by a live process gets
# PFDB_ETIMEOUT; one on a lock of a process killed -9 is freed by its
# watchdog (recovery, then the update succeeds). Neither hangs.
# timeout: 90
set -u
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
drv=$top/db/pfdb_test
N=${N:-1500}
# Under SANITIZE=1: libdb's memory after a recovery is not ours (lsan.supp).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$top/tests/db/lsan.supp"
dir=$(mktemp -d /tmp/pfdb-two.XXXXXX)
printf 'set_cachesize 0 16777216 1\n' >"$dir/DB_CONFIG"
pids=()
cleanup() {
    for p in "${pids[@]+"${pids[@]}"}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ -x "$drv" ] || { echo "not ok - $drv not built"; exit 1; }
"$drv" seed "$dir" 10 || { echo "not ok - create store"; exit 1; }
start=$(date +%s)
timeout 60 "$drv" conc "$dir" 1 "$N" 2>"$dir/p1.err" & p1=$!; pids+=("$p1")
timeout 60 "$drv" conc "$dir" 2 "$N" 2>"$dir/p2.err" & p2=$!; pids+=("$p2")
wait "$p1"; r1=$?
wait "$p2"; r2=$?
secs=$(( $(date +%s) - start ))
[ $r1 = 0 ] && echo "ok - process 1 finished $N transactions" \
    || { echo "not ok - process 1 exit $r1"; sed 's/^/# /' "$dir/p1.err"; }
[ $r2 = 0 ] && echo "ok - process 2 finished $N transactions" \
    || { echo "not ok - process 2 exit $r2"; sed 's/^/# /' "$dir/p2.err"; }
sed 's/^/# /' "$dir/p1.err" "$dir/p2.err"
if out=$("$drv" conc-check "$dir" "$N" 2 2>&1); then
    echo "ok - all writes of both processes present: $out (${secs}s)"
else
    echo "not ok - writes lost: $out"
fi

for mode in alive kill; do
    tdir=$dir/timeout-$mode; mkdir "$tdir"
    printf 'set_cachesize 0 8388608 1\n' >"$tdir/DB_CONFIG"
    if out=$(timeout 30 "$drv" timeout "$tdir" $mode 2>&1); then
        case $mode in
        alive) echo "ok - lock held by a live process: the waiter times out (${out##*waiter: })" ;;
        kill)  echo "ok - lock held by a killed process: the waiter's watchdog recovers, the update succeeds (${out##*waiter: })" ;;
        esac
    else
        echo "not ok - lock held by a $mode process: $out"
    fi
done
