#!/bin/bash
# backoff.t - server trouble, retry spread and --advertising through a real Postfix
# timeout: 90
#
# 1. Postfix answers every MAIL with "451 4.3.0" (a real check_sender_access
#    restriction with smtpd_delay_reject = no, the way it answers while the
#    milter is down and milter_default_action = tempfail) for about 3 s; then
#    the restriction is removed with postconf -M and postfix reload. The
#    campaign (with --advertising) must close its sessions, back off (bounded
#    count, bounded time: no busy loop), reconnect and queue every row; the
#    fake MX must get every message with exactly one
#    "X-Postbulk-Advertising: yes" (the file's own X-Postbulk-* header is
#    dropped).
# 2. The same trouble with submit_reconnect_timeout = 2s and no end: the
#    campaign stops with EX_TEMPFAIL in bounded time and resumes later.
# 3. Retry herd: 40 rows all deferred "retry in 1 s" by a real
#    check_recipient_access table; the delays between a row's first and
#    second try (the client's SUB_SMTP_TRACE=time dialogue; Postfix's
#    maillog has one-second time stamps) must lie in
#    [1, 2.3) s and be spread over the interval, not one instant.
# 4. Repeated 4xx without a "retry in" hint (a real "DEFER 4.3.0" access
#    entry) on one session: the session is closed and backed off, the rows
#    end failed (status 2) after their attempts, other rows are queued.

top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/lab/lab.sh"
. "$top/tests/submit/sublib.sh"
SUBMIT=$top/submit/postbulk-submit
fails=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fails=$((fails + 1)); }
eq() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else nok "$1: got '$2', want '$3'"; fi; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }
mx_ge() { [ "$(lab_mx_count)" -ge "$1" ]; }
between() { if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then ok "$1 ($2 in [$3, $4])"; else nok "$1: $2 not in [$3, $4]"; fi; }

[ -x "$SUBMIT" ] || { nok "postbulk-submit is built"; exit 1; }
lab_fakemx_start || { nok "fake MX starts"; exit 1; }
lab_start || { nok "lab starts"; exit 1; }
P=$(lab_free_port)
printf '/./\t451 4.3.0 Service unavailable - try again later (lab: milter down)\n' \
    >"$LAB_ETC/sender_access"
printf '/^(later[0-9]+@.*)$/\tDEFER 4.7.1 <$1>: rate limited, retry in 1 s\n/^soft[0-9]+@/\tDEFER 4.3.0 temporary lookup failure\n' \
    >"$LAB_ETC/rcpt_access"
# The listener as postfix-conf/master.cf.fragment makes it (no tar pit:
# Postfix's smtpd_error_sleep_time would space the retries by itself).
svc() {		# svc [sender-restriction]: (re)define the listener
    lab_postconf_M "127.0.0.1:$P/inet=127.0.0.1:$P inet n - n - - smtpd -o smtpd_error_sleep_time=0 -o smtpd_soft_error_limit=100000 -o smtpd_junk_command_limit=100000 -o smtpd_hard_error_limit=1000 -o smtpd_delay_reject=no -o smtpd_sender_restrictions=$1 -o smtpd_recipient_restrictions=check_recipient_access,regexp:$LAB_ETC/rcpt_access,permit_mynetworks,reject -o smtpd_relay_restrictions=permit_mynetworks,reject"
}
svc "check_sender_access,regexp:$LAB_ETC/sender_access"
lab_reload
lab_wait_port "$P" 10 || nok "listener $P up"
sub_config "$P" "submit_timeout = 20s" "submit_reconnect_timeout = 30s"
W=$LAB/work; mkdir -p "$W"
printf 'Subject: sale\nX-Postbulk-Advertising: no\nX-Postbulk-Campaign: forged\n\nhello ${name}\n' >"$W/msg.txt"
N=200
{ echo email,name; for i in $(seq 1 $N); do echo "user$i@naver.com,n$i"; done; } >"$W/list.csv"

# --- 1. 451 to every MAIL for ~3 s, then the restriction is removed
t0=$EPOCHREALTIME
$SUBMIT campaign --name outage --advertising --from 'news@shop.example' --message "$W/msg.txt" \
    --list "$W/list.csv" --report "$W/report.csv" >"$W/out" 2>"$W/err" &
pid=$!
lab_on_exit "kill $pid 2>/dev/null || true"
sleep 3
mail_rejects_during=$(lab_maillog_count 'reject: MAIL from')
svc permit
lab_reload
n=0; while kill -0 $pid 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
wait $pid; rc=$?
t1=$EPOCHREALTIME
secs=$(( (${t1/./} - ${t0/./}) / 1000000 ))
cat "$W/out"; sed 's/^/# stderr: /' "$W/err" | head -5
eq "campaign through a 451 outage: exit status" "$rc" 0
eq "every row queued after the outage" "$(field queued "$W/out")" $N
eq "no row failed" "$(field failed "$W/out")" 0
eq "summary: status" "$(field status "$W/out")" complete
between "Postfix saw 4xx MAIL attempts during the outage" "$mail_rejects_during" 1 60
between "back-offs are bounded (was 143,044 retries)" "$(field backoffs "$W/out")" 4 60
between "total MAIL rejects in the maillog" "$(lab_maillog_count 'reject: MAIL from')" 4 80
between "campaign ends within outage + 12 s" "$secs" 3 15
grep -q 'server trouble' "$W/err" && ok "the trouble is reported on stderr" || nok "no 'server trouble' warning"
lab_wait_for 60 mx_ge $N || nok "fake MX got $N messages (has $(lab_mx_count))"
lab_wait_queue_empty 20
sleep 0.3
ads=$(grep -l '^X-Postbulk-Advertising: yes' "$LAB_MX_DIR"/msgs/*.eml | wc -l)
eq "--advertising: every message carries X-Postbulk-Advertising: yes" "$ads" $N
eq "the file's own X-Postbulk-* headers are dropped" \
    "$(cat "$LAB_MX_DIR"/msgs/*.eml | grep -c -e '^X-Postbulk-Advertising: no' -e '^X-Postbulk-Campaign: forged')" 0
twice=$(for f in "$LAB_MX_DIR"/msgs/*.eml; do grep -c '^X-Postbulk-Advertising' "$f"; done | grep -vcx 1)
eq "exactly one X-Postbulk-Advertising header per message" "$twice" 0
rcpts=$(grep -ho '"rcpt[^]]*' "$LAB_MX_DIR/index.jsonl" | grep -o 'user[0-9]*@naver.com' | sort -u | wc -l)
eq "fake MX: $N distinct recipients" "$rcpts" $N

# --- 2. trouble without end: bounded stop, then resume
before=$(lab_mx_count)
svc "check_sender_access,regexp:$LAB_ETC/sender_access"
lab_reload
{ echo email; for i in $(seq 1 20); do echo "stop$i@daum.net"; done; } >"$W/list2.csv"
cat "$LAB/pb.cf" >"$LAB/pb2.cf"; echo 'submit_reconnect_timeout = 2s' >>"$LAB/pb2.cf"
t0=$EPOCHREALTIME
timeout 60 $SUBMIT campaign --config "$LAB/pb2.cf" --name stuck --from news@shop.example \
    --message "$W/msg.txt" --list "$W/list2.csv" >"$W/out2" 2>"$W/err2"
rc=$?
t1=$EPOCHREALTIME
secs=$(( (${t1/./} - ${t0/./}) / 1000000 ))
eq "endless 451: EX_TEMPFAIL" "$rc" 75
between "endless 451: stops within reconnect timeout + 8 s" "$secs" 2 10
eq "endless 451: summary status" "$(field status "$W/out2")" interrupted
grep -q 'answered 4xx for' "$W/err2" && ok "endless 451: the reason is named" || nok "endless 451: reason: $(tail -1 "$W/err2")"
svc permit
lab_reload
$SUBMIT campaign --config "$LAB/pb2.cf" --name stuck --from news@shop.example \
    --message "$W/msg.txt" --list "$W/list2.csv" >"$W/out3" 2>"$W/err3"
eq "resumed after the trouble: exit status" "$?" 0
eq "resumed: every row queued" "$(( $(field queued "$W/out3") + $(field earlier "$W/out3") ))" 20
lab_wait_for 30 mx_ge $((before + 20)) || nok "fake MX got the resumed rows"
lab_wait_queue_empty 20
eq "resumed: the X-Postbulk-Advertising header only with --advertising" \
    "$(grep -l '^X-Postbulk-Advertising' $(grep -l 'stop[0-9]*@daum.net' "$LAB_MX_DIR"/msgs/*.eml) | wc -l)" 0

# --- 3. retry herd: one group deferred "retry in 1 s"
{ echo email; for i in $(seq 1 40); do echo "later$i@nate.com"; done; } >"$W/list3.csv"
SUB_SMTP_TRACE=time $SUBMIT campaign --name herd --from news@shop.example --message "$W/msg.txt" \
    --list "$W/list3.csv" >"$W/out4" 2>"$W/err4"
eq "deferred group: exit status" "$?" 0
eq "deferred group: 40 rows x 2 retries" "$(field retries "$W/out4")" 80
/usr/bin/python3 - "$W/err4" <<'PY'
import re, sys
tries = {}
for line in open(sys.argv[1], errors='replace'):
    m = re.match(r'(\d+\.\d{6}) >>> RCPT TO:<(later\d+)@', line)
    if m:
        tries.setdefault(m.group(2), []).append(float(m.group(1)))
def out(cond, what):
    print(('ok - ' if cond else 'not ok - ') + what)
    return cond
good = out(len(tries) == 40 and all(len(v) == 3 for v in tries.values()),
           'trace: 40 deferred rows, 3 tries each (%d rows)' % len(tries))
d = sorted(v[k + 1] - v[k] for v in tries.values() for k in range(len(v) - 1))
if d:
    good &= out(d[0] >= 0.95 and d[-1] < 2.3,
                'retry delays within [1, 2.3) s (%.3f .. %.3f)' % (d[0], d[-1]))
    buckets = {int((x - 1.0) * 10) for x in d}
    good &= out(len(buckets) >= 6, 'retry delays spread over >= 6 of 10 100-ms buckets (%d)' % len(buckets))
    second = sorted(v[1] for v in tries.values() if len(v) > 1)
    good &= out(second[-1] - second[0] >= 0.5,
                'the group does not retry at one instant: second tries spread over %.3f s' % (second[-1] - second[0]))
else:
    good = out(False, 'retry delays measured')
sys.exit(0 if good else 1)
PY
[ $? = 0 ] || fails=$((fails + 1))

# --- 4. hint-less 4xx twice in a row on a session
{ echo email; for i in $(seq 1 10); do echo "soft$i@nate.com"; echo "fine$i@nate.com"; echo "soft1$i@nate.com"; done; } >"$W/list5.csv"
cat "$LAB/pb.cf" >"$LAB/pb5.cf"; printf 'submit_retry_limit = 1\nsubmit_retry_delay = 0\nsubmit_connections = 1\n' >>"$LAB/pb5.cf"
t0=$EPOCHREALTIME
$SUBMIT campaign --config "$LAB/pb5.cf" --name soft --from news@shop.example --message "$W/msg.txt" \
    --list "$W/list5.csv" --report "$W/report5.csv" >"$W/out5" 2>"$W/err5"
rc=$?
t1=$EPOCHREALTIME
secs=$(( (${t1/./} - ${t0/./}) / 1000000 ))
cat "$W/out5"
eq "hint-less 4xx: exit status" "$rc" 0
eq "hint-less 4xx: the other rows queued" "$(field queued "$W/out5")" 10
eq "hint-less 4xx: the deferred rows failed after their attempts" "$(field failed "$W/out5")" 20
between "hint-less 4xx: sessions closed and backed off" "$(field backoffs "$W/out5")" 1 40
between "hint-less 4xx: campaign bounded in time" "$secs" 0 40
eq "hint-less 4xx: status 2 in the report" "$(grep -c ',failed,2,' "$W/report5.csv")" 20

[ $fails = 0 ]
