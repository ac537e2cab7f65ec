#!/bin/bash
# sendmail.t - postbulk-submit in sendmail mode through a private Postfix
# timeout: 90
#
# Flags (-t -i -oi -f -r -F -bm -odi -oem -v --), -t with Bcc removal,
# dot handling with and without -i, 8BITMIME/SMTPUTF8, exit codes for
# rejected and deferred recipients (real Postfix check_recipient_access),
# and the fallback to Postfix's sendmail when the listener is down.

top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/lab/lab.sh"
SUBMIT=$top/submit/postbulk-submit

fails=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fails=$((fails + 1)); }
eq() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else nok "$1: got '$2', want '$3'"; fi; }
has() { if grep -q -- "$3" "$2"; then ok "$1"; else nok "$1: '$3' not in $2"; sed 's/^/# /' "$2"; fi; }
hasnot() { if grep -q -- "$3" "$2"; then nok "$1: '$3' in $2"; else ok "$1"; fi; }

[ -x "$SUBMIT" ] || { nok "postbulk-submit is built"; exit 1; }
lab_fakemx_start || { nok "fake MX starts"; exit 1; }
lab_start || { nok "lab starts"; exit 1; }

# A second listener with recipient restrictions, as policyd would answer.
P=$(lab_free_port)
cat >"$LAB_ETC/rcpt_access" <<'EOT'
/^(nouser[0-9]*@.*)$/	REJECT 5.1.1 <$1>: suppressed (userunknown since 2026-01-02)
/^later@/		DEFER 4.7.1 rate limited, retry in 30 s
/^policy@/		REJECT 5.7.1 denied by policy
EOT
lab_postconf_M "127.0.0.1:$P/inet=127.0.0.1:$P inet n - n - - smtpd -o smtpd_recipient_restrictions=check_recipient_access,regexp:$LAB_ETC/rcpt_access,permit_mynetworks,reject -o smtpd_relay_restrictions=permit_mynetworks,reject"
lab_reload
lab_wait_port "$P" 10 || nok "listener $P up"

cat >"$LAB/pb.cf" <<EOT
submit_server = 127.0.0.1:$P
submit_sendmail_path = /usr/sbin/sendmail
submit_sendmail_config_directory = $LAB_ETC
submit_timeout = 10s
EOT
export POSTBULK_CONFIG=$LAB/pb.cf
W=$LAB/work; mkdir -p "$W"

# mx_field N KEY: one JSON field of the N-th received message's envelope
mx_env() { /usr/bin/python3 -c '
import json,sys
for l in open(sys.argv[1]):
    m=json.loads(l)
    if any(r.lower()==sys.argv[2] for r in m["rcpts"]):
        print(m["file"], m["mail_from"], " ".join(sorted(m["rcpts"])))
' "$LAB_MX_DIR/index.jsonl" "$1"; }
mx_file() { mx_env "$1" | awk '{print $1}' | head -1; }
mx_ge() { [ "$(lab_mx_count)" -ge "$1" ]; }
mx_has() { [ -n "$(mx_file "$1")" ]; }

# --- 1. recipients as arguments, -f, -i, -odi -oem -bm, --
m=$RANDOM
printf 'Subject: one %s\n\nline 1\n.\n.dot-start line\nend\n' "$m" |
    $SUBMIT -bm -odi -oem -i -f app@shop.example -- one@naver.com two@daum.net 2>"$W/1.err"
eq "args: exit 0" "$?" 0
lab_wait_queue_empty 20 || nok "queue drained"
lab_wait_for 10 mx_has two@daum.net
f=$(mx_file one@naver.com)
[ -n "$f" ] && ok "args: one@naver.com received" || nok "args: one@naver.com not received"
[ -n "$(mx_file two@daum.net)" ] && ok "args: two@daum.net received" || nok "args: two@daum.net not received"
eq "args: envelope sender" "$(mx_env one@naver.com | awk '{print $2}')" "app@shop.example"
has "-i: a lone dot line is kept" "$LAB_MX_DIR/$f" "^\.\s*$"
has "dot-stuffing: '.dot-start' arrives intact" "$LAB_MX_DIR/$f" "^\.dot-start line"

# --- 2. -t: To, Cc, Bcc; Bcc removed; group syntax; -r; -oi
before=$(lab_mx_count)
cat >"$W/2.msg" <<'EOT'
From: App <app@shop.example>
To: "Kim, Minsu" <to1@naver.com>, to2@naver.com (comment)
Cc: team: cc1@daum.net, cc2@daum.net;
Bcc: hidden@gmail.com
Subject: extract

body
EOT
$SUBMIT -t -oi -r app@shop.example <"$W/2.msg" 2>"$W/2.err"
eq "-t: exit 0" "$?" 0
lab_wait_queue_empty 20
lab_wait_for 10 mx_has hidden@gmail.com
for r in to1@naver.com to2@naver.com cc1@daum.net cc2@daum.net hidden@gmail.com; do
    [ -n "$(mx_file $r)" ] && ok "-t: $r received" || nok "-t: $r not received"
done
f=$(mx_file hidden@gmail.com)
[ -n "$f" ] && hasnot "-t: Bcc header removed" "$LAB_MX_DIR/$f" "^Bcc:"
[ -n "$f" ] && hasnot "-t: hidden address not in the data" "$LAB_MX_DIR/$f" "hidden@gmail.com"

# --- 3. -F adds From when missing; without -i a "." line ends the message
printf 'Subject: fullname\n\nbefore\n.\nafter-dot\n' |
    $SUBMIT -F 'Kim Minsu' -f kim@shop.example fn@naver.com 2>"$W/3.err"
eq "-F: exit 0" "$?" 0
lab_wait_queue_empty 20
lab_wait_for 10 mx_has fn@naver.com
f=$(mx_file fn@naver.com)
has "-F: From with the full name" "$LAB_MX_DIR/$f" '^From: "Kim Minsu" <kim@shop.example>'
hasnot "no -i: text after a lone '.' is not sent" "$LAB_MX_DIR/$f" "after-dot"

# --- 4. 8BITMIME and SMTPUTF8 in the dialogue (-v trace)
printf 'Subject: utf8\n\n한글 본문\n' | $SUBMIT -v -f app@shop.example '사용자@naver.com' 2>"$W/4.err"
eq "SMTPUTF8: exit 0" "$?" 0
has "-v: BODY=8BITMIME for an 8-bit body" "$W/4.err" "BODY=8BITMIME"
has "-v: SMTPUTF8 for a UTF-8 address" "$W/4.err" "SMTPUTF8"
has "-v: pipelined MAIL and RCPT before replies" "$W/4.err" ">>> RCPT TO:<사용자@naver.com>"

# --- 5. exit codes
lab_wait_queue_empty 20
lab_wait_for 10 mx_has '사용자@naver.com'
echo x | $SUBMIT -q a@naver.com 2>"$W/5a.err"; eq "unknown option: EX_USAGE" "$?" 64
has "unknown option: reason on stderr" "$W/5a.err" "unsupported option -q"
echo x | $SUBMIT 2>"$W/5b.err"; eq "no recipients: EX_USAGE" "$?" 64
echo x | $SUBMIT 'bad@@naver..com' 2>"$W/5c.err"; eq "bad address: EX_DATAERR" "$?" 65
has "bad address: named" "$W/5c.err" "bad@@naver..com"
before=$(lab_mx_count)
echo x | $SUBMIT -f app@shop.example nouser1@naver.com 2>"$W/5d.err"; eq "suppressed recipient: EX_NOUSER" "$?" 67
has "5.1.1 reply text shown" "$W/5d.err" "suppressed (userunknown"
echo x | $SUBMIT -f app@shop.example later@naver.com ok5@naver.com 2>"$W/5e.err"; eq "deferred recipient: EX_TEMPFAIL" "$?" 75
has "deferred: says nothing was sent" "$W/5e.err" "nothing was sent"
echo x | $SUBMIT -f app@shop.example policy@naver.com 2>"$W/5f.err"; eq "5.7.1 recipient: EX_UNAVAILABLE" "$?" 69
echo x | $SUBMIT -f app@shop.example nouser2@naver.com ok6@naver.com 2>"$W/5g.err"; eq "partly rejected: EX_NOUSER" "$?" 67
has "partly rejected: says the others got it" "$W/5g.err" "sent to 1 recipient"
lab_wait_queue_empty 20
sleep 0.3
eq "only the accepted recipient arrived (ok6), not later/ok5" "$(( $(lab_mx_count) - before ))" 1
[ -n "$(mx_file ok6@naver.com)" ] && ok "ok6 received" || nok "ok6 not received"
[ -z "$(mx_file ok5@naver.com)" ] && ok "ok5 (same message as a deferred one) not sent" || nok "ok5 sent"

# --- 6. listener down: fallback to Postfix's sendmail, or tempfail
dead=$(lab_free_port)
sed -i "s/^submit_server = .*/submit_server = 127.0.0.1:$dead/" "$LAB/pb.cf"
printf 'Subject: fallback\n\nvia postdrop\n' | $SUBMIT -f app@shop.example fb@naver.com 2>"$W/6a.err"
eq "fallback: exit 0" "$?" 0
has "fallback: warning names the listener and sendmail" "$W/6a.err" "warning: connect to 127.0.0.1:$dead.*handing the message to /usr/sbin/sendmail"
lab_wait_for 20 mx_has fb@naver.com && ok "fallback: message delivered through Postfix pickup" || nok "fallback: message not delivered"
echo "submit_fallback = tempfail" >>"$LAB/pb.cf"
printf 'Subject: tf\n\nx\n' | $SUBMIT -f app@shop.example tf@naver.com 2>"$W/6b.err"
eq "submit_fallback = tempfail: EX_TEMPFAIL" "$?" 75
has "tempfail: one-line reason" "$W/6b.err" "message not sent (submit_fallback = tempfail)"
echo "submit_fallback = maybe" >>"$LAB/pb.cf"
echo x | $SUBMIT a@naver.com 2>"$W/6c.err"; eq "bad config value: EX_CONFIG" "$?" 78

[ $fails = 0 ]
