#!/bin/bash
# fakemx.t - the fake portal MX on its own (no Postfix): replies per domain,
#            throttling, delays, 50 concurrent sessions, stats, config errors
# timeout: 60

top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export POSTBULK_TOP=$top
. "$top/tests/lab/lab.sh"
py=/usr/bin/python3

fails=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fails=$((fails + 1)); }
eq() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else nok "$1: got '$2', want '$3'"; fi; }
has() { if grep -qE -- "$3" <<<"$2"; then ok "$1"; else nok "$1: '$2' lacks /$3/"; fi; }
now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

work=$(mktemp -d /tmp/lab-fakemx.XXXXXX)
lab_on_exit "rm -rf '$work'"

# --- configuration errors: exit 78 (EX_CONFIG), message names file, section, key.
# The cases run in parallel (each is a python start-up).
nbad=0
bad() {	# bad "what" "ini text" regex
    nbad=$((nbad + 1))
    printf '%s\n' "$2" >"$work/bad$nbad.ini"
    printf '%s\n%s\n' "$1" "$3" >"$work/bad$nbad.want"
    ( timeout 10 $py "$LAB_TOOLS/fakemx.py" --dir "$work/bad" --config "$work/bad$nbad.ini" \
        >"$work/bad$nbad.out" 2>&1; echo $? >"$work/bad$nbad.rc" ) &
}
bad "unknown key" $'[naver.com]\nthrotle_per_minute = 5' 'bad[0-9]+\.ini: \[naver\.com\] throtle_per_minute: unknown key'
bad "bad number" $'[default]\nthrottle_per_minute = five' '\[default\] throttle_per_minute = five: invalid'
bad "negative delay" $'[a.test]\ndelay_rcpt = -1' 'delay_rcpt = -1: must be >= 0'
bad "malformed reply" $'[a.test]\nreply.bob = hello' "\[a\.test\] reply\.bob: must be an SMTP reply"
bad "bad throttle_stage" $'[a.test]\nthrottle_stage = helo' 'throttle_stage: must be rcpt or data'
bad "bad group name" $'[a.test]\ngroup = a b' 'group = a b: letters, digits'
bad "syntax" $'no section header' 'bad[0-9]+\.ini: syntax'
( timeout 10 $py "$LAB_TOOLS/fakemx.py" --dir "$work/bad" --config "$work/missing.ini" \
    >"$work/missing.out" 2>&1; echo $? >"$work/missing.rc" ) &
( timeout 10 $py "$LAB_TOOLS/fakemx.py" --bogus >/dev/null 2>&1; echo $? >"$work/bogus.rc" ) &
wait
for ((i = 1; i <= nbad; i++)); do
    { read -r what; read -r re; } <"$work/bad$i.want"
    rc=$(cat "$work/bad$i.rc")
    if [ "$rc" = 78 ] && grep -qE -- "$re" "$work/bad$i.out"; then ok "config error: $what"
    else nok "config error: $what: exit $rc, '$(cat "$work/bad$i.out")'"; fi
done
eq "config error: missing file exits 78" "$(cat "$work/missing.rc")" 78
has "config error: missing file is named" "$(cat "$work/missing.out")" 'missing\.ini: open: No such file'
eq "unknown option exits 64" "$(cat "$work/bogus.rc")" 64

# --- behaviours
cat >"$work/mx.ini" <<'EOF'
# comment
[default]
reject_users = nouser*

[naver.com]
full_users = full*
reply.Bob = 451 4.3.0 <{rcpt}>: try again later

[thr.test]
throttle_per_minute = 3
throttle_window = 2.5
throttle_reply = 421 4.3.2 Service not available, too many messages (realip.naver.com)

[daum.net]
throttle_per_minute = 2
throttle_stage = data
throttle_reply = 554 5.7.1 DAS51 Your mail is rejected (E06)

[slow.test]
delay_rcpt = 0.5

[few.test]
max_sessions = 2
delay_rcpt = 0.5

[g1.test]
group = portal
delay_rcpt = 0.4

[g2.test]
group = portal
delay_rcpt = 0.4

[k1.test]
group = kakao
max_sessions = 2
delay_rcpt = 0.5

[k2.test]
group = kakao
max_sessions = 2
delay_rcpt = 0.5

[wait.test]
delay = 0.5

[closed.test]
rcpt_reply = 550 5.7.1 <{rcpt}>: relay access denied

[spam.test]
data_reply = 554 5.7.1 message content rejected
EOF
lab_fakemx_start "$work/mx.ini" || { nok "fake MX starts"; exit 1; }
ok "fake MX listens on 127.0.0.1:$LAB_MX_PORT (pid $LAB_MX_PID)"
send() { lab_send -p "$LAB_MX_PORT" -f s@lab.test "$@"; }

out=$(send -t a@naver.com -t nouser7@naver.com -t Full1@naver.com -t bob@naver.com)
eq "mixed recipients: exit 1 (some refused)" "$?" 1
has "550 5.1.1 for nouser* (from [default])" "$out" '^refused 1 nouser7@naver.com 550 5\.1\.1 <nouser7@naver.com>: Recipient address rejected: User unknown$'
has "452 4.2.2 for full*" "$out" '^refused 1 Full1@naver.com 452 4\.2\.2 <Full1@naver.com>: Mailbox full$'
has "custom reply for bob" "$out" '^refused 1 bob@naver.com 451 4\.3\.0 <bob@naver.com>: try again later$'

out=$(send -t x@closed.test)
eq "rcpt_reply: message refused, exit 2" "$?" 2
has "rcpt_reply text" "$out" 'x@closed.test 550 5\.7\.1 <x@closed\.test>: relay access denied'
out=$(send -t x@spam.test)
has "data_reply at end of DATA" "$out" '^failed 1 554 5\.7\.1 message content rejected$'
eq "data_reply: message not stored" "$(lab_mx_count spam.test)" 0

# thr.test: 3 messages fit in the 2.5 s window, the 4th gets 421 and the
# connection is closed (the 5th is never tried).
out=$(send -t u@thr.test -n 5)
eq "throttle: 3 accepted within the window" "$(grep -c '^sent' <<<"$out")" 3
has "throttle: 421 with the configured text" "$out" '^failed 4 u@thr.test 421 4\.3\.2 Service not available, too many messages \(realip\.naver\.com\)$'
has "throttle: 421 closed the session" "$(grep -c '^failed 5' <<<"$out")" '^0$'
out2=$(send -t u@thr.test)
has "throttle: a new session is refused too" "$out2" '421 4\.3\.2'
eq "throttle: thr.test throttled count" "$(lab_mx_stat thr.test throttled)" 2
thr_end=$(( $(now_ms) + 2600 ))	# the window is over then; checked further down
eq "naver.com replies" "$(lab_mx_stat naver.com replies)" '{"250": 1, "451": 1, "452": 1, "550": 1}'

out=$(send -t a@daum.net -n 3)
eq "throttle at DATA: 2 accepted" "$(grep -c '^sent' <<<"$out")" 2
has "throttle at DATA: Daum-like 554 DAS51" "$out" '^failed 3 554 5\.7\.1 DAS51 Your mail is rejected \(E06\)$'
eq "daum.net messages" "$(lab_mx_count daum.net)" 2

# delays
t0=$(now_ms); out=$(send -t a@wait.test); t1=$(now_ms)
d=$((t1 - t0))
if [ "$out" = "sent 1" ] && [ $d -ge 1000 ] && [ $d -lt 5000 ]; then
    ok "delay = 0.5: RCPT and DATA replies slowed (${d} ms)"
else nok "delay = 0.5: '$out' in ${d} ms (want 1000..5000)"; fi

# 50 concurrent sessions: each waits 0.5 s at RCPT, so all 50 overlap.
t0=$(now_ms); out=$(send -t u@slow.test -n 50 -c 50); t1=$(now_ms)
eq "50 concurrent sessions: all accepted" "$(grep -c '^sent' <<<"$out")" 50
eq "slow.test sessions_max" "$(lab_mx_stat slow.test sessions_max)" 50
no_cur() { [ "$(lab_mx_stat slow.test sessions_cur)" = 0 ]; }
lab_wait_for 3 no_cur && ok "slow.test sessions_cur back to 0 after the sessions ended" ||
    nok "slow.test sessions_cur: $(lab_mx_stat slow.test sessions_cur), want 0"
if [ $((t1 - t0)) -lt 5000 ]; then ok "50 sessions served in parallel ($((t1 - t0)) ms)"
else nok "50 sessions took $((t1 - t0)) ms (serialized?)"; fi
eq "slow.test max_per_10s" "$(lab_mx_stat slow.test max_per_10s)" 50
check_cm() { [ "$(lab_mx_stat - connections_max)" -ge 50 ]; }
check_cm && ok "connections_max >= 50" || nok "connections_max $(lab_mx_stat - connections_max)"

# max_sessions: of 4 parallel sessions to few.test, 2 get in, 2 get 421.
out=$(send -t u@few.test -n 4 -c 4)
eq "max_sessions = 2: 2 of 4 parallel sessions accepted" "$(grep -c '^sent' <<<"$out")" 2
eq "max_sessions = 2: 2 refused with 421 4.7.0" \
    "$(grep -c '^failed . u@few.test 421 4\.7\.0 Too many concurrent connections' <<<"$out")" 2
eq "few.test sessions_max" "$(lab_mx_stat few.test sessions_max)" 2

# Groups: 3 + 3 parallel sessions to two domains of one group overlap.
send -t u@g1.test -n 3 -c 3 >"$work/g1.out" & g1=$!
send -t u@g2.test -t v@g1.test -n 3 -c 3 >"$work/g2.out"
wait $g1
eq "group: all 6 messages accepted" "$(cat "$work/g1.out" "$work/g2.out" | grep -c '^sent')" 6
eq "group portal: messages (a message to both domains counts once)" "$(lab_mx_count group:portal)" 6
eq "group portal: sessions (a session to both domains counts once)" "$(lab_mx_stat group:portal sessions)" 6
eq "g1.test: messages" "$(lab_mx_count g1.test)" 6
eq "g1.test: sessions" "$(lab_mx_stat g1.test sessions)" 6
eq "g2.test: sessions_max (3 parallel)" "$(lab_mx_stat g2.test sessions_max)" 3
# How much the two clients overlap depends on the machine's load: 3..6.
gm=$(lab_mx_stat group:portal sessions_max)
if [ "$gm" -ge 3 ] && [ "$gm" -le 6 ]; then ok "group portal: sessions_max $gm in 3..6"
else nok "group portal: sessions_max $gm not in 3..6"; fi
eq "group portal: rcpts_accepted" "$(lab_mx_stat group:portal rcpts_accepted)" 9
has "index names the group" "$(lab_mx_messages g2.test | head -1)" '"groups": \["portal"\]'
# max_sessions = 2 for group kakao as a whole: 2 long sessions to k1.test
# (3 RCPTs of 0.5 s each), and while they run 2 sessions to k2.test.
send -t a@k1.test -t b@k1.test -t c@k1.test -n 2 -c 2 >"$work/k1.out" & k1=$!
kakao_full() { [ "$(lab_mx_stat group:kakao sessions_cur)" = 2 ]; }
lab_wait_for 5 kakao_full || nok "2 sessions to k1.test did not start"
send -t u@k2.test -n 2 -c 2 >"$work/k2.out"
wait $k1
eq "group max_sessions = 2: both k1.test sessions accepted" "$(grep -c '^sent' "$work/k1.out")" 2
eq "group max_sessions = 2: both k2.test sessions refused (421)" \
    "$(grep -c '^failed . u@k2.test 421 4\.7\.0' "$work/k2.out")" 2
eq "group kakao: sessions_max" "$(lab_mx_stat group:kakao sessions_max)" 2
eq "group kakao: throttled" "$(lab_mx_stat group:kakao throttled)" 2

# Throttling ends with the window (2.5 s after the last accepted message).
while [ "$(now_ms)" -lt "$thr_end" ]; do sleep 0.1; done
out=$(send -t u@thr.test)
eq "throttle: accepted again after the window" "$out" "sent 1"
eq "thr.test messages" "$(lab_mx_count thr.test)" 4
eq "thr.test replies" "$(lab_mx_stat thr.test replies)" '{"250": 4, "421": 2}'

# The waits give up in time.
t0=$(now_ms)
if lab_wait_mx 100000 0.3; then nok "lab_wait_mx 100000 0.3 succeeded"
else ok "lab_wait_mx gives up after its timeout ($(( $(now_ms) - t0 )) ms)"; fi
lab_wait_mx 1 2 slow.test && ok "lab_wait_mx for a domain" || nok "lab_wait_mx for a domain"

# Message files and index agree.
n=$(lab_mx_count)
eq "index lines = messages" "$(wc -l <"$LAB_MX_DIR/index.jsonl")" "$n"
eq "one .eml per message" "$(ls "$LAB_MX_DIR"/msgs/*.eml | wc -l)" "$n"
eq "one .json per message" "$(ls "$LAB_MX_DIR"/msgs/*.json | wc -l)" "$n"
eq "lab_mx_messages DOMAIN" "$(lab_mx_messages slow.test | wc -l)" 50

# Restart on the same port with another config; numbering continues.
port=$LAB_MX_PORT
printf '[default]\nrcpt_reply = 450 4.7.1 greylisted\n' >"$work/grey.ini"
lab_fakemx_restart "$work/grey.ini" || nok "restart"
eq "restart keeps the port" "$LAB_MX_PORT" "$port"
out=$(send -t a@x.test)
has "restart: new config active" "$out" '450 4\.7\.1 greylisted'
lab_fakemx_restart "$work/mx.ini"
send -t a@x.test >/dev/null
eq "restart: message numbering continues" "$(tail -1 "$LAB_MX_DIR/index.jsonl" | $py -c 'import json,sys; print(json.load(sys.stdin)["n"])')" $((n + 1))

# A greeting that refuses the connection.
printf '[default]\nbanner_reply = 421 4.7.0 mx.lab.test too busy\n' >"$work/busy.ini"
lab_fakemx_restart "$work/busy.ini" || nok "restart busy"
out=$(send -t a@x.test)
has "banner_reply: client sees the refusal" "$out" 'failed 1 connect .*421.*too busy|failed 1 .*421.*too busy|failed .*Connection unexpectedly closed|failed .*too busy'

# SIGTERM: exits 0 and stats are final.
pid=$LAB_MX_PID
lab_fakemx_stop
lab_alive "$pid" && nok "fake MX still alive after stop" || ok "fake MX stopped by SIGTERM"
exit $((fails > 0))
