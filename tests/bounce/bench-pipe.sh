#!/bin/bash
# bench-pipe.sh N - bounces ingested per second through Postfix's pipe(8)
# transport into the db (helper of bench.sh; prints one "pipe: ..." line).
top=${POSTBULK_TOP:?}
. "$top/tests/lab/lab.sh"
N=${1:-400}
B=$top/bounce-pipe/postbulk-bounce
T=$top/bounce-pipe/bp_test
PB=$(mktemp -d /dev/shm/pb-bench.XXXXXX 2>/dev/null || mktemp -d) || exit 1
lab_on_exit "rm -rf '$PB'"
mkdir -p "$PB/db"; head -c 48 /dev/urandom >"$PB/key"; chmod 600 "$PB/key"
printf 'db_directory = %s\ntoken_key_file = %s\ndestination_table = %s/none.cf\n' \
    "$PB/db" "$PB/key" "$PB" >"$PB/postbulk.cf"
chown -R nobody:nogroup "$PB"; chmod 755 "$PB"
lab_start >/dev/null || exit 1
lab_postconf "transport_maps = inline:{bounces.lab.test=postbulk:}" \
    "relay_domains = bounces.lab.test" "postbulk_destination_recipient_limit = 1" \
    "postbulk_destination_concurrency_limit = 4" "default_process_limit = 100"
lab_postconf_M "postbulk/unix=postbulk unix - n n - 4 pipe flags=Rq user=nobody argv=$B -c $PB/postbulk.cf -q \${queue_id} \${original_recipient} \${sender}"
lab_reload >/dev/null
runuser -u nobody -- "$T" seedn "$PB/db" "$PB/key" "$N" naver.com bounces.lab.test >"$PB/addrs" || exit 1
/usr/bin/python3 - "$LAB_SMTP_PORT" "$PB/addrs" <<'PY'
import smtplib, sys
port, addrs = int(sys.argv[1]), [l.rstrip('\n').split('\t') for l in open(sys.argv[2])]
s = smtplib.SMTP('127.0.0.1', port)
for rcpt, verp in addrs:
    msg = ("From: MAILER-DAEMON@mx.example\r\nTo: %s\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
           "--B\r\nContent-Type: text/plain\r\n\r\n<%s>: host mx.naver.com said: 550 5.1.1 User unknown (in reply to RCPT TO command)\r\n\r\n"
           "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
           "Final-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 5.1.1\r\n"
           "Diagnostic-Code: smtp; 550 5.1.1 <%s>: Recipient address rejected: User unknown\r\n\r\n--B--\r\n") % (verp, rcpt, rcpt, rcpt)
    s.sendmail('', [verp], msg)
s.quit()
PY
t0=$(date +%s.%N)
lab_wait_for 300 sh -c "[ \$(runuser -u nobody -- '$T' count '$PB/db' 5) -ge $N ]"
t1=$(date +%s.%N)
got=$(runuser -u nobody -- "$T" count "$PB/db" 5)
# Time from the first to the last pipe delivery in Postfix's own log.
span=$(grep 'relay=postbulk.*status=sent' "$LAB_MAILLOG" | awk '{print $3}' | sed -n '1p;$p' | tr '\n' ' ')
awk -v n="$got" -v a="$t0" -v b="$t1" -v want="$N" -v c=4 'BEGIN{
    printf "pipe: %d of %d bounces recorded (status 5 + suppression) through Postfix pipe(8), %d at a time: %.0f bounces/s (%.2f s after the last SMTP submission)\n", n, want, c, n/(b-a > 0 ? b-a : 1), b-a}'
