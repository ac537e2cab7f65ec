#!/bin/bash
# filter.t - policyd's in-memory suppression filter (pol_suppfilter) and
# the db's suppression change journal it follows: no false negative over a
# 20,000-key table, few false positives; against a running daemon, a
# suppression added by another process, a bulk import while it runs
# (rebuild, and the new keys rejected during and after it), SIGHUP
# (rebuild), and the same answers with the filter turned off.
# timeout: 60
. "$(dirname "$0")/pollib.sh"
pol_init
pol_db supp-bulk 20000 100 >/dev/null || { echo "not ok - supp-bulk"; exit 1; }

# 1. The filter itself.
out=$("$top/policyd/pol_unit_test" filter "$POL_DB" 200000 2>/dev/null)
expect "filter built over the table in slices" "^keys=20000 " "$out"
expect "no false negative (every suppressed key answers maybe)" " false_negatives=0 " "$out"
fp=$(sed -n 's/.* false_positives=\([0-9]*\) of .*/\1/p' <<<"$out")
check "false positives under 0.5 % of 200,000 absent keys (got ${fp:-?})" [ "${fp:-99999}" -lt 1000 ]
pol_fix_owner

# 2. A running daemon.
rm -f "$POL_CLOCK"
POL_FAKE= pol_start || exit 1
ready() { [ "$(grep -c 'suppression filter ready' "$POL_LOG")" -ge "$1" ]; }
waitfor() { local i; for i in $(seq 1 100); do "$@" && return 0; sleep 0.1; done; return 1; }
check "filter ready after start" waitfor ready 1
expect "ready line counts the keys" "suppression filter ready: keys=20000 " "$(cat "$POL_LOG")"
expect "suppressed key rejected" "^action=REJECT 5.1.1 <user5@d5.test>: suppressed" "$(pol_ask RCPT:a@shop.test:user5@d5.test)"
expect "other key DUNNO" "^action=DUNNO$" "$(pol_ask RCPT:a@shop.test:user25000@d0.test)"

pol_db supp-add late@fresh.test userunknown
sleep 1
expect "suppression added by another process seen within 1 s (journal)" \
    "^action=REJECT 5.1.1 <late@fresh.test>" "$(pol_ask RCPT:a@shop.test:late@fresh.test)"

# A bulk import: one journal mark per batch, the filter starts over; the
# new keys are rejected at once (lookups go to the db while it rebuilds).
pol_db supp-bulk 3000 100 50000 >/dev/null
check "bulk import noticed: rebuild" waitfor grep -q 'suppression filter rebuild: bulk change' "$POL_LOG"
expect "imported key rejected during the rebuild" "^action=REJECT 5.1.1 <user50001@d1.test>" \
    "$(pol_ask RCPT:a@shop.test:user50001@d1.test)"
check "filter ready again" waitfor ready 2
expect "imported key rejected by the rebuilt filter" "^action=REJECT 5.1.1 <user52999@d99.test>" \
    "$(pol_ask RCPT:a@shop.test:user52999@d99.test)"
expect "journal key still there after the rebuild" "^action=REJECT 5.1.1 <late@fresh.test>" \
    "$(pol_ask RCPT:a@shop.test:late@fresh.test)"
expect "rebuilt filter counts every key" "suppression filter ready: keys=2300[01] " \
    "$(grep 'suppression filter ready' "$POL_LOG" | tail -1)"

kill -HUP "$POL_PID"
check "SIGHUP rebuilds the filter" waitfor grep -q 'suppression filter rebuild: reload' "$POL_LOG"
check "ready after the reload" waitfor ready 3

# Same answers for a sample of 400 recipients with the filter on and off.
reqs=()
for i in $(seq 0 7 2799); do reqs+=("RCPT:a@shop.test:user$((i * 19))@d$((i * 19 % 100)).test"); done
on=$(pol_ask "${reqs[@]}")
pol_stop
pol_cf 'policyd_suppression_filter = no'
POL_FAKE= pol_start || exit 1
off=$(pol_ask "${reqs[@]}")
check "filter off: no filter built" bash -c "[ \$(grep -c 'suppression filter ready' '$POL_LOG') = 3 ]"
nrej=$(grep -c REJECT <<<"$on")
check "same 400 answers with the filter on and off ($nrej rejects)" [ "$on" = "$off" ]
check "the sample has rejects and DUNNOs" [ "$nrej" -gt 20 -a "$nrej" -lt 380 ]
