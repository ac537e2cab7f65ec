#!/bin/bash
# fault.t - fault injection (POSTBULK_DB_FAULT): the API unit tests still
# pass when every 3rd write transaction fails with DB_LOCK_DEADLOCK just
# before commit, and when every 7th call fails with DB_RUNRECOVERY (the
# environment is then really closed and reopened); two processes under
# injected deadlocks lose no write.
# timeout: 90
set -u
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
drv=$top/db/pfdb_test
work=$(mktemp -d /tmp/pfdb-fault.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
[ -x "$drv" ] || { echo "not ok - db/pfdb_test not built"; exit 1; }

for fault in deadlock:3 recover:7; do
    d=$work/${fault%%:*}; mkdir "$d"
    printf 'set_cachesize 0 8388608 1\n' >"$d/DB_CONFIG"
    POSTBULK_DB_FAULT=$fault "$drv" unit "$d" >"$d.out" 2>"$d.err"; rc=$?
    oks=$(grep -c '^ok' "$d.out"); noks=$(grep -c '^not ok' "$d.out")
    reopens=$(grep -c 'reopened$' "$d.err")
    if [ $rc = 0 ] && [ "$noks" = 0 ] && [ "$oks" -ge 50 ]; then
        echo "ok - unit tests under $fault: $oks passed ($reopens reopens)"
    else
        echo "not ok - unit tests under $fault: exit $rc, $oks ok, $noks not ok"
        grep '^not ok' "$d.out" | head -5 | sed 's/^/# /'
    fi
done
if [ "$(grep -c 'reopened$' "$work/recover.err")" -gt 0 ]; then
    echo "ok - recover:N really reopened the environment"
else
    echo "not ok - recover:N caused no reopen"
fi

d=$work/conc; mkdir "$d"; printf 'set_cachesize 0 8388608 1\n' >"$d/DB_CONFIG"
"$drv" seed "$d" 10 || echo "not ok - seed"
POSTBULK_DB_FAULT=deadlock:5 timeout 60 "$drv" conc "$d" 1 400 2>"$d.1" & p1=$!
POSTBULK_DB_FAULT=recover:11 timeout 60 "$drv" conc "$d" 2 400 2>"$d.2" & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
if out=$("$drv" conc-check "$d" 400 2 2>&1) && [ $r1 = 0 ] && [ $r2 = 0 ]; then
    echo "ok - two processes with injected deadlocks and reopens: $out"
else
    echo "not ok - two processes under faults: exits $r1 $r2: $out"
    grep -v 'reopened$' "$d.1" "$d.2" | head -5 | sed 's/^/# /'
fi
