#!/bin/bash
# lab-rate.t - destination rate through a real Postfix: group "naver" limited
# to 60 per "minute" with policyd_time_base = 5s (60 per 5 s); 300 messages
# are submitted over 4 SMTP sessions that retry deferred RCPTs. The fake MX
# must never see more than 60 (+1) naver.com messages in any 5 s window,
# and all 300 must arrive. A second group without a limit is not slowed.
# timeout: 120
. "$POSTBULK_TOP/tests/lab/lab.sh"
POL_TRAP=0
. "$POSTBULK_TOP/tests/policyd/pollib.sh"
WIN=5
lab_fakemx_start || { echo "not ok - fake MX did not start"; exit 1; }
lab_start || { echo "not ok - lab did not start"; exit 1; }
pol_init "$LAB/pol"
lab_on_exit pol_cleanup
date +%s >"$POL_CLOCK"
sed -i "s/^policyd_time_base = .*/policyd_time_base = ${WIN}s/" "$POL_CF"
printf '[default]\n[naver]\ndomains = naver.com\nrate_per_minute = 60\n' >"$POL_TABLE"
pol_start || { echo "not ok - policyd did not start"; exit 1; }
# The submit listener of a bulk setup tolerates many 4xx per session.
lab_postconf "smtpd_recipient_restrictions = check_policy_service unix:$POL_SOCK, permit_mynetworks, reject_unauth_destination" \
    "smtpd_soft_error_limit = 100000" "smtpd_hard_error_limit = 100000" \
    "smtpd_error_sleep_time = 0" "smtpd_junk_command_limit = 100000"
lab_reload
t0=$(date +%s)
out=$(/usr/bin/python3 "$POSTBULK_TOP/tests/policyd/ratesend.py" "$LAB_SMTP_PORT" 300 naver.com 4 75 2>"$LAB/ratesend.err")
rc=$?
echo "# ratesend: $out"
check "all 300 accepted by Postfix (with deferrals: $out)" [ $rc = 0 ]
expect "policyd logged the deferrals" "policy=rate rcpt=<u[0-9]+@naver.com> group=naver limit=60/min backoff_level=0 retry=[0-9]+" "$(grep -m1 'policy=rate' "$POL_LOG")"
expect "client saw 450 4.7.1 with the retry hint" "450 4.7.1 <u[0-9]+@naver.com>: .*<naver>: rate limit 60/min reached, retry in [0-9]+ s" "$(grep -m1 'rate limit' "$LAB_MAILLOG")"
lab_wait_for 30 mx_ge naver.com 300
n=$(lab_mx_count naver.com)
secs=$(( $(date +%s) - t0 ))
check "all 300 arrived at the fake MX ($n in ${secs}s)" [ "$n" = 300 ]
maxw=$(/usr/bin/python3 - "$LAB_MX_DIR/index.jsonl" $WIN <<'PY'
import json, sys
win = float(sys.argv[2])
ts = sorted(json.loads(l)["time"] for l in open(sys.argv[1]) if "naver.com" in l)
best, j = 0, 0
for i in range(len(ts)):
    while ts[i] - ts[j] > win:
        j += 1
    best = max(best, i - j + 1)
print(best)
PY
)
check "never more than 61 naver.com messages in any ${WIN}s window (max $maxw)" [ -n "$maxw" ] && [ "$maxw" -le 61 ]
check "the limit was actually reached (max $maxw >= 50)" [ -n "$maxw" ] && [ "$maxw" -ge 50 ]
check "300 at 60 per ${WIN}s took at least 20 s (${secs}s)" [ "$secs" -ge 20 ]
out=$(lab_send -f bulk@shop.test -t free@other.test -n 20 2>&1)
expect "unlimited group not slowed" "sent 20" "$out"
