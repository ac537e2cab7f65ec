#!/bin/bash
# lab-dup.t - the duplicate guard against the whole stack (real Postfix,
# milter, policyd, outcome follower; tests/e2e/stack.sh): a campaign row
# that Postfix queued is marked committed by the follower (qmgr "queue
# active") and a second copy is refused with 550 5.7.1; a record the milter
# wrote for a message Postfix never queued (smtpd died before the commit:
# seeded here as the milter writes it) defers a second copy with 450 4.7.1
# "duplicate check pending ... retry in S s" within policyd_duplicate_grace
# and lets it through after, and that copy is delivered.
# timeout: 120
top=${POSTBULK_TOP:?run through tests/run-tests}
. "$top/tests/e2e/stack.sh"
ok() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
STACK_EXTRA_CF='policyd_duplicate_grace = 1m'
stack_start || { echo "not ok - stack started"; exit 1; }
echo "ok - stack started"
printf 'email,name,grade,coupon\nd1@gmail.com,A,gold,X1\nd2@naver.com,B,gold,X2\n' >"$LAB/dup.csv"
stack_campaign dup1 "$LAB/dup.csv"; rc=$?
ok "campaign dup1 sent (submit exit $rc)" '[ $rc = 0 ]'
ok "campaign dup1 settled" 'stack_wait_settled dup1 40'
stack_cli export --campaign dup1 -o "$STACK/out/dup1.csv"
for r in d1@gmail.com d2@naver.com; do
    id=$(awk -F, -v r="$r" '$3 == r { gsub(/"/, "", $1); print $1 }' "$STACK/out/dup1.csv")
    ok "follower marked the message to $r committed (msgid ${id:-none})" \
       '[ -n "$id" ] && [ "$(stack_as "$top/bounce-pipe/bp_test" committed "$STACK/db" "$id" "$r")" = committed=yes ]'
done

key=$STACK/token.key
sender=$(stack_as "$top/policyd/pol_dbtool" "$key" token-address c dup1 bounce "$STACK_BOUNCE_DOMAIN")
now=$(date +%s)
stack_as "$top/policyd/pol_dbtool" "$STACK/db" msg-put lost1 lost@gmail.com dup1 0 "$now"
stack_as "$top/policyd/pol_dbtool" "$STACK/db" msg-put lost2 old@gmail.com dup1 0 $((now - 600))
out=$(/usr/bin/python3 - "$STACK_LISTEN_PORT" "$sender" <<'PY'
import smtplib, sys
port, sender = int(sys.argv[1]), sys.argv[2]
s = smtplib.SMTP("127.0.0.1", port, timeout=20)
s.ehlo("lab.test")
s.mail(sender)
import re, time
for r in ("d1@gmail.com", "lost@gmail.com", "old@gmail.com"):
    for attempt in range(10):                # the group's rate may defer first
        code, msg = s.rcpt(r)
        text = msg.decode(errors="replace").replace("\n", " ")
        m = re.search(r"rate limit .* retry in (\d+) s", text)
        if code != 450 or not m:
            break
        time.sleep(min(int(m.group(1)), 5))
    print(code, text)
code, msg = s.data(b"From: news@shop.example.co.kr\r\nTo: old@gmail.com\r\n"
                   b"Subject: resend\r\n\r\nresent after a lost queue file\r\n")
print("DATA", code)
s.quit()
PY
)
echo "$out" | sed 's/^/# /'
ok "committed copy in the campaign: 550 5.7.1 duplicate" \
   'grep -Eq "^5[0-9][0-9] 5\.7\.1 <d1@gmail.com>: .*<d1@gmail.com>: duplicate in campaign dup1$" <<<"$out"'
ok "unconfirmed recent record: 450 4.7.1 pending with a retry hint" \
   'grep -Eq "^450 4\.7\.1 <lost@gmail.com>: .*<lost@gmail.com>: duplicate check pending for campaign dup1, retry in ([1-9]|[1-5][0-9]|60) s" <<<"$out"'
ok "unconfirmed record older than the grace: accepted" \
   'grep -Eq "^250 .*" <<<"$(sed -n 3p <<<"$out")"'
ok "the resent copy queued (DATA 250)" 'grep -q "^DATA 250" <<<"$out"'
ok "policyd logged duplicate-unconfirmed" \
   'grep -q "policy=duplicate-unconfirmed rcpt=<old@gmail.com> group=gmail campaign=dup1" "$LAB/log/policyd.log"'
ok "the resent copy reached the MX" 'lab_wait_for 30 sh -c "grep -rqs \"resent after a lost queue file\" \"$LAB_MX_DIR\""'
