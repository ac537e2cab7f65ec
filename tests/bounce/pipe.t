#!/bin/bash
# pipe.t - postbulk-bounce pipe mode against a real Berkeley DB store in a
# temp dir (no Postfix): token checks, effects per reason class, exactly-once,
# quarantine, db lock -> EX_TEMPFAIL.
# timeout: 60
top=${POSTBULK_TOP:?run through tests/run-tests}
B=$top/bounce-pipe/postbulk-bounce
T=$top/bounce-pipe/bp_test
S=$top/tests/bounce/samples
tmp=$(mktemp -d) || exit 1
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/db"
head -c 48 /dev/urandom >"$tmp/key"; chmod 600 "$tmp/key"
cat >"$tmp/postbulk.cf" <<CF
db_directory = $tmp/db
token_key_file = $tmp/key
bounce_domain = bounces.example.com
destination_table = $tmp/destinations.cf
db_lock_timeout = 2s
bounce_soft_limit = 3
CF
cat >"$tmp/destinations.cf" <<CF
[default]
rate_per_minute = 100
[naver]
domains = naver.com
[daum]
domains = daum.net, hanmail.net
CF
ok() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
addr() { "$T" address "$tmp/key" "$1" "$2" bounce bounces.example.com; }
run() { "$B" -c "$tmp/postbulk.cf" -d "$@" 2>>"$tmp/log"; }

# A Postfix-style DSN for RCPT with STATUS and REPLY.
dsn() {
    cat <<MSG
From: MAILER-DAEMON@mta.example.com (Mail Delivery System)
To: bounce@bounces.example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

<$1>: host mx.example[192.0.2.1] said: $3 (in reply to RCPT TO command)

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mta.example.com
X-Postfix-Queue-ID: ${4:-QX1}

Final-Recipient: rfc822; $1
Action: failed
Status: $2
Diagnostic-Code: smtp; $3

--B--
MSG
}

# 1. Hard bounce with a valid token: status 5, suppression, exactly once.
"$T" seed "$tmp/db" msg01 user01@naver.com Q0001 || echo "not ok - seed"
a=$(addr m msg01)
dsn user01@naver.com 5.1.1 "550 5.1.1 <user01@naver.com>: Recipient address rejected: User unknown" >"$tmp/m1"
run -q BQ1 "$a" "" <"$tmp/m1"; rc=$?
ok "userunknown DSN: exit 0" '[ $rc = 0 ]'
ok "userunknown DSN: status 5 userunknown" '[ "$("$T" show "$tmp/db" msg01 user01@naver.com)" = "status=5 reason=userunknown dsn=5.1.1 attempts=0" ]'
ok "userunknown DSN: suppressed for ever" '[ "$("$T" supp "$tmp/db" user01@naver.com)" = "reason=userunknown source=bounce count=1 expires=never" ]'
run -q BQ1 "$a" "" <"$tmp/m1"; rc=$?
ok "same message again: exit 0, still counted once" '[ $rc = 0 ] && [ "$("$T" supp "$tmp/db" user01@naver.com)" = "reason=userunknown source=bounce count=1 expires=never" ]'
ok "log line has queue id, reason, hard, action" 'grep -q "Q0001: bounce=msg01, rcpt=<user01@naver.com>, status=5.1.1, reason=userunknown, hard=1, action=suppressed" "$tmp/log"'

# 2. Forged and malformed tokens change nothing and keep the message.
"$T" seed "$tmp/db" msg02 user02@naver.com Q0002
dsn user02@naver.com 5.1.1 "550 5.1.1 User unknown" Q0002 >"$tmp/m2"
"$T" dump "$tmp/db" >"$tmp/before"
good=$(addr m msg02)
forged=$(sed 's/^bounce+m\.\(.\)/bounce+m.\1x/; s/^bounce+m\.\(.\)x./bounce+m.\1x/' <<<"$good")
forged="bounce+m.aaaaaaaaaaaaaaaa.msg02@bounces.example.com"
run "$forged" "" <"$tmp/m2"; rc1=$?
run "bounce+m.zz@bounces.example.com" "" <"$tmp/m2"; rc2=$?
"$T" dump "$tmp/db" >"$tmp/after"
ok "forged token: exit 0" '[ $rc1 = 0 ] && [ $rc2 = 0 ]'
ok "forged token: db unchanged" 'cmp -s "$tmp/before" "$tmp/after"'
ok "forged token: 2 messages in quarantine/forged" '[ $(ls "$tmp/db/quarantine/forged" | wc -l) = 2 ]'
ok "forged token: message user02 not suppressed" '[ "$("$T" supp "$tmp/db" user02@naver.com)" = none ]'

# 3. No token: matched through X-Postfix-Queue-ID.
run "postmaster@bounces.example.com" "" <"$tmp/m2"; rc=$?
ok "no token, queue id Q0002: recorded" '[ $rc = 0 ] && [ "$("$T" supp "$tmp/db" user02@naver.com)" != none ]'

# 4. Sender-side class (Daum DAS51 block): never suppressed, backoff raised.
"$T" seed "$tmp/db" msg05 park03@hanmail.net Q0005
run "$(addr m msg05)" "" <"$S/daum-blocked-das51.eml"
ok "blocked: status 5 blocked" '[ "$("$T" show "$tmp/db" msg05 park03@hanmail.net | cut -d" " -f1-2)" = "status=5 reason=blocked" ]'
ok "blocked: not suppressed" '[ "$("$T" supp "$tmp/db" park03@hanmail.net)" = none ]'
ok "blocked: group daum in backoff level 1" '[ "$("$T" backoff "$tmp/db" daum)" = "level=1 events=1 reason=blocked" ]'
# The verified token names the record: a report naming another address
# (forwarding) changes that record, and only it.
"$T" seed "$tmp/db" msg04 user04@hanmail.net Q0004
run "$(addr m msg04)" "" <"$S/daum-blocked-das51.eml"
ok "token's record used when the report names another address" '[ "$("$T" show "$tmp/db" msg04 user04@hanmail.net | cut -d" " -f1-2)" = "status=5 reason=blocked" ]'
ok "second throttle reply within 60 s: counted, level stays 1" '[ "$("$T" backoff "$tmp/db" daum)" = "level=1 events=2 reason=blocked" ]'
# Without a verified token, a report about an unknown address is only kept.
run "postmaster@bounces.example.com" "" <"$S/nate-userunknown-en.eml"
ok "no token, no matching record: quarantine/unmatched, nobody suppressed" '[ $(ls "$tmp/db/quarantine/unmatched" | wc -l) = 1 ] && [ "$("$T" supp "$tmp/db" choi04@nate.com)" = none ]'

# 5. Mailbox full: counted, suppressed (with expiry) at the 3rd in the window.
for i in 1 2 3; do
    "$T" seed "$tmp/db" mf0$i full@naver.com QF0$i
    dsn full@naver.com 5.2.2 "552 5.2.2 <full@naver.com>: Mailbox is full (try $i)" QF0$i >"$tmp/mf$i"
    run "$(addr m mf0$i)" "" <"$tmp/mf$i"
    [ $i = 2 ] && ok "mailboxfull x2: not yet suppressed" '[ "$("$T" supp "$tmp/db" full@naver.com)" = none ]'
done
ok "mailboxfull x3: suppressed with expiry" '[ "$("$T" supp "$tmp/db" full@naver.com)" = "reason=mailboxfull source=bounce count=1 expires=yes" ]'

# 6. Auto-reply: ignored, nothing changes.
"$T" seed "$tmp/db" msg06 away@naver.com Q0006
printf 'From: away@naver.com\nTo: bounce@bounces.example.com\nSubject: Out of office\nAuto-Submitted: auto-replied\n\nI am away until Monday.\n' >"$tmp/m6"
run "$(addr m msg06)" "" <"$tmp/m6"; rc=$?
ok "auto-reply: exit 0, status unchanged" '[ $rc = 0 ] && [ "$("$T" show "$tmp/db" msg06 away@naver.com | cut -d" " -f1)" = "status=0" ]'

# 7. Unparseable: kept in quarantine/unparsed, exit 0.
printf 'Subject: hello\n\nnothing to see\n' >"$tmp/m7"
run "$(addr m msg06)" "" <"$tmp/m7"; rc=$?
ok "unparseable: exit 0 and saved to quarantine/unparsed" '[ $rc = 0 ] && [ $(ls "$tmp/db/quarantine/unparsed" | wc -l) = 1 ]'

# 8. ARF complaint: suppressed as complaint, never expires.
"$T" seed "$tmp/db" msg08 angry@daum.net Q0008
cat >"$tmp/m8" <<'MSG'
From: fbl@daum.net
To: bounce@bounces.example.com
Subject: FW: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an email abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Rcpt-To: <angry@daum.net>

--F
Content-Type: text/rfc822-headers

From: shop@shop.example
To: angry@daum.net
Subject: sale

--F--
MSG
run "$(addr m msg08)" "" <"$tmp/m8"
ok "ARF: suppressed as complaint, never expires" '[ "$("$T" supp "$tmp/db" angry@daum.net)" = "reason=complaint source=fbl count=1 expires=never" ]'

# 9. Unsubscribe by mail to the u. token address.
"$T" seed "$tmp/db" msg09 leaver@naver.com Q0009
u=$("$T" address "$tmp/key" u msg09 unsubscribe bounces.example.com)
printf 'From: leaver@naver.com\nTo: %s\nSubject: unsubscribe\n\nunsubscribe\n' "$u" >"$tmp/m9"
"$B" -c "$tmp/postbulk.cf" -d "$u" leaver@naver.com <"$tmp/m9" 2>>"$tmp/log"
ok "unsubscribe mail: suppressed as unsubscribe" '[ "$("$T" supp "$tmp/db" leaver@naver.com)" = "reason=unsubscribe source=unsubscribe count=1 expires=never" ]'

# 10. db locked past db_lock_timeout: EX_TEMPFAIL, nothing recorded; later once.
"$T" seed "$tmp/db" msg10 locked@naver.com Q0010
dsn locked@naver.com 5.1.1 "550 5.1.1 User unknown" Q0010 >"$tmp/m10"
: >"$tmp/hold.out"
"$T" hold "$tmp/db" 6 >"$tmp/hold.out" 2>&1 & pids+=($!)
for i in $(seq 50); do grep -q held "$tmp/hold.out" && break; sleep 0.1; done
start=$(date +%s)
run "$(addr m msg10)" "" <"$tmp/m10"; rc=$?
secs=$(( $(date +%s) - start ))
ok "db locked: exit 75 (EX_TEMPFAIL) within the timeout ($secs s)" '[ $rc = 75 ] && [ $secs -le 8 ]'
wait "${pids[@]}" 2>/dev/null; pids=()
ok "db locked: nothing recorded" '[ "$("$T" supp "$tmp/db" locked@naver.com)" = none ]'
run "$(addr m msg10)" "" <"$tmp/m10"; rc=$?
ok "lock released: recorded once" '[ $rc = 0 ] && [ "$("$T" supp "$tmp/db" locked@naver.com)" = "reason=userunknown source=bounce count=1 expires=never" ]'

# 11. Bad db directory: EX_TEMPFAIL, never a bounce back.
sed "s|^db_directory = .*|db_directory = $tmp/nonexistent/db|" "$tmp/postbulk.cf" >"$tmp/bad.cf"
"$B" -c "$tmp/bad.cf" "$(addr m msg01)" "" <"$tmp/m1" 2>/dev/null; rc=$?
ok "unusable db directory: exit 75" '[ $rc = 75 ]'

# 12. A typo in a bounce_* parameter is reported (file, name) and defers
#     the message (75); shared names such as bounce_domain are no typo.
{ cat "$tmp/postbulk.cf"; echo "bounce_soft_limt = 5"; } >"$tmp/typo.cf"
"$B" -c "$tmp/typo.cf" -d "$(addr m msg01)" "" <"$tmp/m1" 2>"$tmp/typo.err"; rc=$?
ok "bounce_ typo: exit 75" '[ $rc = 75 ]'
ok "bounce_ typo: named in the error" 'grep -q "bounce_soft_limt" "$tmp/typo.err"'
"$B" -c "$tmp/typo.cf" --maillog /dev/null --once 2>/dev/null; rc=$?
ok "bounce_ typo in --maillog mode: exit 78 (EX_CONFIG)" '[ $rc = 78 ]'
