#!/bin/bash
# kill9.t - a writer killed with SIGKILL mid-transaction loses nothing that
# it committed, leaves the environment usable for a new process, and a
# long-running reader started before the kills keeps working (it gets
# DB_RUNRECOVERY when the new process recovers, and reopens by itself;
# when the writer died holding a region mutex the reader was waiting for,
# the watchdog frees it - see db/pfdb_rescue.c - and the warning
# "blocked on a mutex of a process that died" shows below).
# timeout: 90
set -u
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
drv=$top/db/pfdb_test
ROUNDS=${ROUNDS:-4}
# Under SANITIZE=1: libdb's own memory after a panicked close is not ours.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$top/tests/db/lsan.supp"
dir=$(mktemp -d /tmp/pfdb-kill9.XXXXXX)
printf 'set_cachesize 0 16777216 1\n' >"$dir/DB_CONFIG"
pids=()
cleanup() {
    for p in "${pids[@]+"${pids[@]}"}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ -x "$drv" ] || { echo "not ok - $drv not built"; exit 1; }
if "$drv" seed "$dir" 2000; then echo "ok - seeded 2000 records"
else echo "not ok - seed"; exit 1; fi

"$drv" reader "$dir" 80 2000 >"$dir/reader.out" 2>"$dir/reader.err" &
rpid=$!; pids+=("$rpid")

for round in $(seq 1 "$ROUNDS"); do
    "$drv" writer "$dir" "$dir/committed" 2>"$dir/writer.err" &
    wpid=$!; pids+=("$wpid")
    # Let it commit for a while (bounded), then kill it wherever it is.
    before=$(cat "$dir/committed" 2>/dev/null | wc -l)
    for i in $(seq 1 100); do
        now=$(cat "$dir/committed" 2>/dev/null | wc -l)
        [ $((now - before)) -ge $((200 * round)) ] && break
        sleep 0.05
    done
    sleep 0.$((RANDOM % 5))
    kill -9 "$wpid"; wait "$wpid" 2>/dev/null
    start=$(date +%s.%N)
    if out=$(timeout 60 "$drv" check "$dir" "$dir/committed" 2>&1); then
        echo "ok - round $round: after kill -9: $out ($(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s to recover, check, write)"
    else
        echo "not ok - round $round: after kill -9: $out"
    fi
done

# Last round: nobody opens the environment after the kill. The reader
# blocks on the dead writer's lock (or mutex); its watchdog must notice,
# have recovery run (pfdb_rescue.c) and carry on, well before the 10 s
# lock timeout would fail the read.
"$drv" writer "$dir" "$dir/committed" 2>"$dir/writer.err" &
wpid=$!; pids+=("$wpid")
before=$(wc -l <"$dir/committed")
for i in $(seq 1 100); do
    [ $(( $(wc -l <"$dir/committed") - before )) -ge 500 ] && break
    sleep 0.05
done
kill -9 "$wpid"; wait "$wpid" 2>/dev/null
sleep 6
if out=$(timeout 60 "$drv" check "$dir" "$dir/committed" 2>&1); then
    echo "ok - last round (no opener after the kill, the reader's watchdog recovers): $out"
else
    echo "not ok - last round: $out"
fi

sleep 1
touch "$dir/reader.stop"
if wait "$rpid"; then rc=0; else rc=$?; fi
rout=$(cat "$dir/reader.out")
echo "# reader: $rout"
grep -c 'reopened$' "$dir/reader.err" | sed 's/^/# reader reopen messages: /'
grep -v 'reopened$' "$dir/reader.err" | head -10 | sed 's/^/# reader stderr: /'
helped=$(grep -c 'recovery was run' "$dir/reader.err")
echo "# reader's watchdog ran recovery $helped time(s)"
[ $rc = 0 ] && echo "ok - long-running reader had no failed reads ($rout)" \
    || echo "not ok - long-running reader failed (exit $rc): $rout"
reopens=$(sed -n 's/.*reopens=\([0-9]*\).*/\1/p' <<<"$rout")
after=$(sed -n 's/.*reads_after_reopen=\([0-9]*\).*/\1/p' <<<"$rout")
[ "${reopens:-0}" -ge 1 ] && echo "ok - reader reopened the environment after recovery ($reopens times)" \
    || echo "not ok - reader never saw a recovery (reopens=${reopens:-none})"
[ "${after:-0}" -gt 0 ] && echo "ok - reader kept reading after its last reopen ($after reads)" \
    || echo "not ok - reader did not read after reopening"
