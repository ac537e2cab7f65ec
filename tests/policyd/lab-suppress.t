#!/bin/bash
# lab-suppress.t - postbulk-policyd behind a real private Postfix
# (check_policy_service on a unix socket): one message to three
# recipients, one of them suppressed -> that RCPT is rejected with
# 5.1.1, the other two are delivered to the fake MX in one message.
# timeout: 60
. "$POSTBULK_TOP/tests/lab/lab.sh"
POL_TRAP=0
. "$POSTBULK_TOP/tests/policyd/pollib.sh"
lab_fakemx_start || { echo "not ok - fake MX did not start"; exit 1; }
lab_start || { echo "not ok - lab did not start"; exit 1; }
pol_init "$LAB/pol"
lab_on_exit pol_cleanup
date +%s >"$POL_CLOCK"
pol_db supp-add b@naver.com userunknown 1767000000 || { echo "not ok - db setup"; exit 1; }
pol_start || { echo "not ok - policyd did not start"; exit 1; }
lab_postconf "smtpd_recipient_restrictions = check_policy_service unix:$POL_SOCK, permit_mynetworks, reject_unauth_destination"
lab_reload
out=$(lab_send -f bulk@shop.test -t a@naver.com -t b@naver.com -t c@daum.net -s 'hello {n}' 2>&1)
expect "suppressed RCPT refused with 5.1.1 and the reason" "refused .*b@naver.com.* 5[0-9][0-9] 5.1.1 <b@naver.com>: .*suppressed \(userunknown since 2025-12-29\)" "$out"
lab_wait_queue_empty 20 || echo "# queue not empty"
lab_wait_for 10 mx_ge "" 1
msgs=$(lab_mx_messages)
check "fake MX got exactly one message" [ "$(lab_mx_count)" = 1 ]
expect "a@naver.com delivered" '"a@naver.com"' "$msgs"
expect "c@daum.net delivered" '"c@daum.net"' "$msgs"
check "b@naver.com not delivered" eval '! grep -q "b@naver.com" <<<"$msgs"'
expect "policyd logged the rejection" "policy=suppressed rcpt=<b@naver.com> group=default reason=userunknown" "$(cat "$POL_LOG")"
expect "Postfix logged the policy reject" "reject: RCPT from .*5.1.1 <b@naver.com>" "$(cat "$LAB_MAILLOG")"
