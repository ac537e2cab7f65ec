#!/bin/bash
# filter-clock.t - review of the suppression filter: a suppression whose
# journal stamp lies more than the reader's slack before the newest entry
# it applied is never seen, so policyd answers DUNNO for a suppressed key
# (a false negative) until the next rebuild. Stamps are wall-clock time
# (pfdb_supp_stamp, CLOCK_REALTIME): a clock stepped back (NTP step, VM
# restore, an RTC in local time at boot) produces exactly this, as does
# a writer whose transaction commits more than the slack after its stamp.
# The step is simulated for the writing process only, with an LD_PRELOAD
# shim over clock_gettime(CLOCK_REALTIME); the system clock is untouched.
# Journal stamps never go backwards (pfdb_supp_journal_op), so these pass.
# timeout: 30
. "$(dirname "$0")/pollib.sh"
pol_init
pol_db supp-bulk 2000 10 >/dev/null || { echo "not ok - supp-bulk"; exit 1; }

shim=$POL_DIR/shim.so
cat >"$POL_DIR/shim.c" <<'C'
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int clock_gettime(clockid_t clk, struct timespec *ts)
{
    int r = (int) syscall(SYS_clock_gettime, clk, ts);
    const char *s = getenv("SHIM_REALTIME_SHIFT");

    if (r == 0 && s && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE))
	ts->tv_sec += atol(s);
    return r;
}
C
cc -shared -fPIC -O2 -o "$shim" "$POL_DIR/shim.c" || { echo "not ok - build the clock shim"; exit 1; }
chmod 755 "$shim"
pol_fix_owner
# An ASan build (make check SANITIZE=1) wants its runtime first in the
# preload list, or the tool stops before doing anything.
asan=$(ldd "$POL_TOOL" 2>/dev/null | awk '/libasan/ {print $3; exit}')
preload="${asan:+$asan }$shim"

rm -f "$POL_CLOCK"
POL_FAKE= pol_start || exit 1
waitfor() { local i; for i in $(seq 1 100); do "$@" && return 0; sleep 0.1; done; return 1; }
check "filter ready" waitfor grep -q 'suppression filter ready' "$POL_LOG"

# Control: a normal writer is seen through the journal.
pol_db supp-add normal@fresh.test userunknown
sleep 1.5
expect "suppression by a writer on the same clock is rejected" \
    "^action=REJECT 5.1.1 <normal@fresh.test>" "$(pol_ask RCPT:a@shop.test:normal@fresh.test)"

# The clock is stepped back one hour: the next suppression's stamp is far
# below synced - slack.
SHIM_REALTIME_SHIFT=-3600 LD_PRELOAD=$preload pol_db supp-add stepped@fresh.test userunknown
sleep 1.5
expect "suppression written after a clock step back is rejected (no false negative)" \
    "^action=REJECT 5.1.1 <stepped@fresh.test>" "$(pol_ask RCPT:a@shop.test:stepped@fresh.test)"

# Same with a step of 60 s only (a typical NTP step is well under that).
SHIM_REALTIME_SHIFT=-60 LD_PRELOAD=$preload pol_db supp-add minute@fresh.test userunknown
sleep 1.5
expect "suppression written after a 60 s clock step back is rejected" \
    "^action=REJECT 5.1.1 <minute@fresh.test>" "$(pol_ask RCPT:a@shop.test:minute@fresh.test)"

# With the filter off the same key is rejected: the db has it.
pol_stop
pol_cf 'policyd_suppression_filter = no'
POL_FAKE= pol_start || exit 1
expect "filter off: the db rejects it" \
    "^action=REJECT 5.1.1 <stepped@fresh.test>" "$(pol_ask RCPT:a@shop.test:stepped@fresh.test)"
