#!/bin/bash
# killed.t - lab clean-up when a test is killed (SIGTERM, SIGINT, SIGKILL) or
#            fails under set -e, with six labs running at the same time
# timeout: 90
#
# Starts six child tests at once. Each starts a fake MX, a private Postfix
# and a lab_bg helper, delivers one message through its own lab, reports its
# PIDs and then idles. They get SIGTERM, SIGTERM twice (as from timeout(1)),
# SIGINT, SIGKILL, SIGKILL in the middle of a slow clean-up, and one fails
# under "set -e". The trap must stop everything for TERM, INT and the
# failure; for the SIGKILLed ones (no trap can run, or it was cut short)
# the lab's watchdog must. Afterwards no recorded process may be alive
# and no lab directory may be left.

top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export POSTBULK_TOP=$top
. "$top/tests/lab/lab.sh"

fails=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fails=$((fails + 1)); }

work=$(mktemp -d /tmp/lab-killed.XXXXXX)
lab_on_exit "rm -rf '$work'"

cat >"$work/child.sh" <<'EOF'
#!/bin/bash
# child: start a lab, deliver one message, write the PIDs to $1, idle <= 60 s
out=$1
. "$POSTBULK_TOP/tests/lab/lab.sh"
lab_fakemx_start || exit 1
lab_start || exit 1
lab_bg sleep 300
lab_send -f a@lab.test -t "u@$(basename "$out").test" >/dev/null
lab_wait_queue_empty 10
kids=$(cat /proc/"$LAB_MASTER_PID"/task/*/children 2>/dev/null | tr '\n' ' ')
{
    echo "LAB=$LAB"
    echo "PORTS='$LAB_SMTP_PORT $LAB_MX_PORT'"
    echo "PIDS='$LAB_MASTER_PID $LAB_MX_PID $LAB_BG_PID $_LAB_WATCHDOG $kids'"
    echo "DELIVERED=$(lab_mx_count)"
} >"$out.tmp" && mv "$out.tmp" "$out"
# FAIL: a test under "set -e" that fails: the EXIT trap must still clean up.
case $out in */FAIL) set -euo pipefail; false ;; esac
# KILLMID: its clean-up is slow (an on-exit command) and gets SIGKILLed
# half-way: the watchdog must finish it.
case $out in */KILLMID) lab_on_exit "sleep 20 & echo \$! >'$out.cleaning'; wait" ;; esac
for ((i = 0; i < 600; i++)); do sleep 0.1; done
exit 0
EOF
chmod 755 "$work/child.sh"

# Bash ignores SIGINT in background jobs of a script and cannot trap a signal
# ignored at start: reset SIGINT to default before exec'ing the child.
declare -A cpid
all="TERM TERM2 INT KILL KILLMID FAIL"
for sig in $all; do
    /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$work/child.sh" "$work/$sig" \
        >"$work/$sig.log" 2>&1 &
    cpid[$sig]=$!
    lab_on_exit "kill -TERM ${cpid[$sig]} 2>/dev/null || true"
done

ready() { local c; for c in $all; do [ -s "$work/$c" ] || return 1; done; }
if ! lab_wait_for 40 ready; then
    nok "six child labs ready within 40 s"
    tail -n 20 "$work"/*.log
    exit 1
fi
ok "six child labs up at the same time"

declare -A clab cpids cports
for sig in $all; do
    unset LAB PORTS PIDS DELIVERED
    . "$work/$sig"
    clab[$sig]=$LAB cpids[$sig]=$PIDS cports[$sig]=$PORTS
    [ "$DELIVERED" = 1 ] && ok "child $sig: message delivered through its own lab" ||
        nok "child $sig: delivered '$DELIVERED', want 1"
done
LAB=	# the parent has no lab of its own
if [ "$(printf '%s\n' "${clab[@]}" | sort -u | wc -l)" = 6 ] &&
   [ "$(echo "${cports[@]}" | tr ' ' '\n' | sort -u | wc -l)" = 12 ]; then
    ok "labs use distinct directories and ports (${cports[*]})"
else
    nok "labs share directories or ports: ${clab[*]} / ${cports[*]}"
fi

for sig in TERM INT KILL; do
    kill -"$sig" "${cpid[$sig]}"
done
# timeout(1) signals the test and then its process group: TERM twice.
kill -TERM "${cpid[TERM2]}"; kill -TERM "${cpid[TERM2]}"
kill -TERM "${cpid[KILLMID]}"
lab_wait_for 10 test -s "$work/KILLMID.cleaning" || nok "KILLMID: clean-up did not start"
kill -KILL "${cpid[KILLMID]}"
# The slow on-exit command's sleep was started by the trap: SIGTERM must
# still work on it (the trap must not leave INT/TERM ignored for children).
slow=$(cat "$work/KILLMID.cleaning")
kill -TERM "$slow" 2>/dev/null
dead() { ! lab_alive "$1"; }
if lab_wait_for 3 dead "$slow"; then ok "a process started during clean-up obeys SIGTERM"
else nok "a process started during clean-up ignores SIGTERM"; kill -KILL "$slow"; fi
declare -A want=([TERM]=143 [TERM2]=143 [INT]=130 [KILL]=137 [KILLMID]=137 [FAIL]=1)
for sig in $all; do
    if lab_wait_for 15 dead "${cpid[$sig]}"; then
        wait "${cpid[$sig]}"
        rc=$?
        [ "$rc" = "${want[$sig]}" ] && ok "child $sig exited with $rc" ||
            nok "child $sig exited with $rc, want ${want[$sig]}"
    else
        nok "child $sig still alive 15 s after SIG$sig"
    fi
done

all_gone() {
    local p
    for p in $1; do lab_alive "$p" && return 1; done
    [ ! -e "$2" ]
}
grep -q 'lab: last lines of .*maillog' "$work/FAIL.log" &&
    ok "failed test: maillog tail printed on stderr" ||
    nok "failed test: no maillog tail in its output: $(tail -3 "$work/FAIL.log")"
for sig in $all; do
    # SIGKILL: the watchdog polls every 0.25 s, then stops Postfix and waits 2 s.
    limit=2; case $sig in KILL*) limit=10 ;; esac
    if lab_wait_for $limit all_gone "${cpids[$sig]}" "${clab[$sig]}"; then
        ok "$sig: no process left (${cpids[$sig]}) and ${clab[$sig]} removed"
    else
        left=
        for p in ${cpids[$sig]}; do
            lab_alive "$p" && left="$left $p:$(tr '\0' ' ' </proc/$p/cmdline)"
        done
        nok "$sig: left behind:${left:- no process,} dir $(ls -d "${clab[$sig]}" 2>/dev/null)"
        # do not leave them for the next test
        for p in ${cpids[$sig]}; do lab_alive "$p" && kill -KILL "$p"; done
        rm -rf "${clab[$sig]}"
    fi
    for port in ${cports[$sig]}; do
        ss -Htln "sport = :$port" | grep -q . && nok "$sig: port $port still listening"
    done
done
exit $((fails > 0))
