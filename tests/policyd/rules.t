#!/bin/bash
# rules.t - postbulk-policyd's decisions against a real daemon and a real
# db (no Postfix): suppression (address, @domain, +tag, added while
# running), duplicate guard with campaign tokens (and a forged one),
# warm-up caps and a restart that keeps the day's counts, backoff levels
# and their recovery, the reputation guard and its reset, with the
# injectable clock (POSTBULK_FAKE_TIME=file). Also -t, config errors,
# loopback-only listening, malformed input, SIGHUP with open connections.
# timeout: 90
. "$(dirname "$0")/pollib.sh"
pol_init
pol_cf 'address_strip_tag = yes'
cat >"$POL_TABLE" <<'T'
[default]
[warm]
domains = warm.test
warmup_start = 2026-01-01
warmup_steps = 3, 5
daily_cap = 8
[kakao]
domains = daum.net
rate_per_minute = 60
backoff_factor = 2
backoff_recovery = 10m
T
D1=1767268800            # 2026-01-01 12:00 UTC
pol_time $D1

# -t and configuration errors.
out=$("$POL_BIN" -c "$POL_CF" -t 2>&1); rc=$?
expect "-t accepts the configuration" "configuration ok.*groups=3" "$out rc=$rc"
cp "$POL_TABLE" "$POL_DIR/good.cf"
printf '[warm]\ndomains = warm.test\nrate_per_minute = fast\n' >"$POL_DIR/bad.cf"
out=$("$POL_BIN" -c "$POL_CF" -t 2>&1 <<<'' ; echo "rc=$?")
sed -i "s#^destination_table = .*#destination_table = $POL_DIR/bad.cf#" "$POL_CF"
out=$("$POL_BIN" -c "$POL_CF" -t 2>&1; echo "rc=$?")
expect "-t names file and line of a bad table, exit 78" "bad.cf, line 3: \[warm\] bad number for rate_per_minute.*rc=78" "$out"
sed -i "s#^destination_table = .*#destination_table = $POL_TABLE#" "$POL_CF"
echo 'policyd_idle_timeout = 10x' >>"$POL_CF"
out=$("$POL_BIN" -c "$POL_CF" -t 2>&1; echo "rc=$?")
expect "-t names a bad parameter" "policyd_idle_timeout.*rc=78" "$out"
sed -i '/^policyd_idle_timeout/d' "$POL_CF"
echo 'policyd_lisen = unix:/x' >>"$POL_CF"
out=$("$POL_BIN" -c "$POL_CF" -t 2>&1; echo "rc=$?")
expect "-t reports an unknown policyd_ parameter" "policyd_lisen.*rc=78" "$out"
sed -i '/^policyd_lisen/d' "$POL_CF"
out=$(POSTBULK_FAKE_TIME=$POL_CLOCK "$POL_BIN" -c "$POL_CF" -d "${POL_USER_OPT[@]}" -o 2>&1; echo "rc=$?")
expect "bad option: usage, exit 64" "usage:.*rc=64" "$out"
sed -i 's#^policyd_listen = .*#policyd_listen = inet:0.0.0.0:0#' "$POL_CF"
out=$(timeout 10 "$POL_BIN" -c "$POL_CF" -d "${POL_USER_OPT[@]}" 2>&1; echo "rc=$?")
expect "refuses a non-loopback address" "not a loopback address.*policyd_allow_remote.*rc=71" "$out"
sed -i "s#^policyd_listen = .*#policyd_listen = unix:$POL_SOCK#" "$POL_CF"

pol_db supp-add bad@naver.com userunknown 1767000000
pol_db supp-add @blocked.test complaint 1767000000
pol_db supp-add plus@x.test unsubscribe 1767000000
pol_start || exit 1

# 1. Suppression.
out=$(pol_ask RCPT:a@shop.test:bad@naver.com RCPT:a@shop.test:anyone@blocked.test \
      RCPT:a@shop.test:plus+news@x.test RCPT:a@shop.test:fine@naver.com MAIL:a@shop.test:)
expect "suppressed address rejected with reason and date" \
    "^action=REJECT 5.1.1 <bad@naver.com>: suppressed \(userunknown since 2025-12-29\)" "$(sed -n 1p <<<"$out")"
expect "@domain suppression rejected" "^action=REJECT 5.1.1 <anyone@blocked.test>: suppressed \(complaint " "$(sed -n 2p <<<"$out")"
expect "+tag stripped when address_strip_tag = yes" "^action=REJECT 5.1.1 <plus\+news@x.test>: suppressed \(unsubscribe" "$(sed -n 3p <<<"$out")"
expect "other recipient DUNNO" "^action=DUNNO$" "$(sed -n 4p <<<"$out")"
expect "non-RCPT state DUNNO" "^action=DUNNO$" "$(sed -n 5p <<<"$out")"
pol_db supp-add late@naver.com userunknown
sleep 1
expect "suppression added while running is seen within 1 s" "REJECT 5.1.1 <late@naver.com>" "$(pol_ask RCPT:a@shop.test:late@naver.com)"
expect "domain not suppressed yet" "^action=DUNNO$" "$(pol_ask RCPT:a@shop.test:x@later.test)"
pol_db supp-add @later.test complaint
sleep 1
expect "@domain suppression added while running is seen within 1 s" "REJECT 5.1.1 <y@later.test>: suppressed \(complaint" "$(pol_ask RCPT:a@shop.test:y@later.test)"
expect "one log line per non-DUNNO, Postfix style" \
    "NOQUEUE: policy=suppressed rcpt=<bad@naver.com> group=default reason=userunknown since=2025-12-29" "$(cat "$POL_LOG")"
out=$(pol_ask RCPT:a@shop.test:bad@naver.com:4F1A2B3C)
expect "log line starts with the queue id" "4F1A2B3C: policy=suppressed rcpt=<bad@naver.com>" "$(cat "$POL_LOG")"

# 2. Duplicate guard.
camp=$("$POL_TOOL" "$POL_KEY" token-address c camp1 bounce bounces.lab.test)
# m1: Postfix was seen queueing it (committed) -> REJECT.
pol_db msg-put m1 dup@gmail.com camp1 0 $((D1 - 600)) $((D1 - 599))
forged=$(sed 's/^\(bounce+c\.\)./\1z/' <<<"$camp"); [ "$forged" = "$camp" ] && forged=$(sed 's/^\(bounce+c\.\)./\1y/' <<<"$camp")
out=$(pol_ask "RCPT:$camp:dup@gmail.com" "RCPT:$camp:new@gmail.com" "RCPT:$forged:dup@gmail.com" "RCPT:plain@shop.test:dup@gmail.com")
expect "duplicate in campaign rejected" "^action=REJECT 5.7.1 <dup@gmail.com>: duplicate in campaign camp1$" "$(sed -n 1p <<<"$out")"
expect "new recipient of the campaign DUNNO" "^action=DUNNO$" "$(sed -n 2p <<<"$out")"
expect "forged campaign token: no duplicate check" "^action=DUNNO$" "$(sed -n 3p <<<"$out")"
expect "untagged sender: no duplicate check" "^action=DUNNO$" "$(sed -n 4p <<<"$out")"
# The milter records a message before Postfix commits its queue file; a
# record never confirmed by the outcome follower (committed 0, status 0 or
# 7) defers within policyd_duplicate_grace (2m) and is let through after.
pol_db msg-put m2 pend@gmail.com camp1 0 $((D1 - 30))          # 30 s old, unconfirmed
pol_db msg-put m3 lost@gmail.com camp1 0 $((D1 - 600))         # 10 min old, unconfirmed
pol_db msg-put m4 held@gmail.com camp1 7 $((D1 - 600)) $((D1 - 599))   # scheduled, held
pol_db msg-put m5 sent@gmail.com camp1 1 $((D1 - 600))         # sent (an old record: no committed)
pol_db msg-put m6 held2@gmail.com camp1 7 $((D1 - 600))        # scheduled, never seen held
: >"$POL_LOG"
out=$(pol_ask "RCPT:$camp:pend@gmail.com" "RCPT:$camp:lost@gmail.com" "RCPT:$camp:held@gmail.com" \
              "RCPT:$camp:sent@gmail.com" "RCPT:$camp:held2@gmail.com")
expect "unconfirmed record younger than the grace: deferred with the rest of the grace" \
    "^action=DEFER_IF_PERMIT 4.7.1 <pend@gmail.com>: duplicate check pending for campaign camp1, retry in (8[5-9]|90) s$" "$(sed -n 1p <<<"$out")"
expect "unconfirmed record older than the grace: let through" "^action=DUNNO$" "$(sed -n 2p <<<"$out")"
expect "committed scheduled record: duplicate" "^action=REJECT 5.7.1 <held@gmail.com>: duplicate in campaign camp1$" "$(sed -n 3p <<<"$out")"
expect "record with a delivery status: duplicate" "^action=REJECT 5.7.1 <sent@gmail.com>: duplicate in campaign camp1$" "$(sed -n 4p <<<"$out")"
expect "old scheduled record never seen held: let through" "^action=DUNNO$" "$(sed -n 5p <<<"$out")"
expect "pending duplicate logged" "NOQUEUE: policy=duplicate-pending rcpt=<pend@gmail.com> group=default campaign=camp1 queue_id=4Tm2 age=(30|3[1-5]) retry=" "$(cat "$POL_LOG")"
expect "let-through logged as duplicate-unconfirmed" "NOQUEUE: policy=duplicate-unconfirmed rcpt=<lost@gmail.com> group=default campaign=camp1 queue_id=4Tm3 age=60[0-5]" "$(cat "$POL_LOG")"
# The follower marks m2 committed: now a real duplicate.
pol_db msg-put m2 pend@gmail.com camp1 0 $((D1 - 30)) $((D1 - 29))
out=$(pol_ask "RCPT:$camp:pend@gmail.com")
expect "the same record once committed: duplicate" "^action=REJECT 5.7.1 <pend@gmail.com>: duplicate in campaign camp1$" "$out"

# 3. Warm-up (day 1: 3, day 2: 5, then the plain cap 8) and restart.
out=$(pol_ask RCPT:a@shop.test:w1@warm.test RCPT:a@shop.test:w2@warm.test RCPT:a@shop.test:w3@warm.test RCPT:a@shop.test:w4@warm.test)
expect "warm-up day 1: 3 accepted" "^(action=DUNNO.){3}" "$(tr '\n' ' ' <<<"$out")"
expect "warm-up day 1: 4th deferred with day and cap" \
    "action=DEFER_IF_PERMIT 4.7.1 <warm>: daily cap 3 reached \(warm-up day 1\), retry in [0-9]+ s" "$(sed -n 4p <<<"$out")"
pol_time $((D1 + 86400)); sleep 1.3
out=$(pol_ask RCPT:a@shop.test:w1@warm.test RCPT:a@shop.test:w2@warm.test RCPT:a@shop.test:w3@warm.test RCPT:a@shop.test:w4@warm.test RCPT:a@shop.test:w5@warm.test RCPT:a@shop.test:w6@warm.test)
expect "warm-up day 2: 5 accepted, 6th deferred" "^(action=DUNNO ){5}action=DEFER_IF_PERMIT 4.7.1 <warm>: daily cap 5 reached \(warm-up day 2\)" "$(tr '\n' ' ' <<<"$out")"
pol_stop; rc=$?
check "SIGTERM: exit 0" [ $rc = 0 ]
v=$(pol_db counter-get policyd/accepted/warm/2026-01-02)
check "SIGTERM persisted the day's count (5, got $v)" [ "$v" = 5 ]
expect "shutdown logged" "stopped: counters persisted" "$(cat "$POL_LOG")"
pol_start || exit 1
expect "restart keeps the day's count" "daily cap 5 reached" "$(pol_ask RCPT:a@shop.test:w7@warm.test)"
pol_time $((D1 + 4 * 86400)); sleep 1.3
out=$(pol_ask $(for i in 1 2 3 4 5 6 7 8 9; do echo RCPT:a@shop.test:x$i@warm.test; done))
expect "after the ramp: plain daily cap 8" "^(action=DUNNO ){8}action=DEFER_IF_PERMIT 4.7.1 <warm>: daily cap 8 reached, retry" "$(tr '\n' ' ' <<<"$out")"

# 4. Backoff: 60/min, level 2 -> 15/min, recovery step by step.
T0=$((D1 + 4 * 86400))
out=$(pol_ask RCPT:a@shop.test:k1@daum.net RCPT:a@shop.test:k2@daum.net)
expect "rate limit without backoff" "^action=DUNNO action=DEFER_IF_PERMIT 4.7.1 <kakao>: rate limit 60/min reached, retry in 1 s" "$(tr '\n' ' ' <<<"$out")"
pol_db backoff-put kakao 2 $((T0 + 1800)) throttled
sleep 1.3
out=$(pol_ask RCPT:a@shop.test:k3@daum.net RCPT:a@shop.test:k4@daum.net)
expect "backoff level 2 divides the rate by 4" "rate limit 15/min reached" "$out"
expect "backoff change logged" "policy=backoff group=kakao level=2" "$(cat "$POL_LOG")"
pol_time $((T0 + 1801)); sleep 1.3
expect "at until: one level less (30/min)" "rate limit 30/min reached" "$(pol_ask RCPT:a@shop.test:k5@daum.net RCPT:a@shop.test:k6@daum.net)"
pol_time $((T0 + 1800 + 601)); sleep 1.3
expect "after one recovery step: full rate (60/min)" "rate limit 60/min reached" "$(pol_ask RCPT:a@shop.test:k7@daum.net RCPT:a@shop.test:k8@daum.net)"
expect "rate deferral logged with group and limit" "policy=rate rcpt=<k8@daum.net> group=kakao limit=60/min" "$(cat "$POL_LOG")"

# 5. Reputation guard (day 2026-01-05 on the fake clock).
DAY=2026-01-05
pol_db counter-put sent/shop.test/$DAY 1000
pol_db counter-put hard/shop.test/$DAY 60
pol_db counter-put sent/small.test/$DAY 200
pol_db counter-put hard/small.test/$DAY 100
pol_db counter-put sent/fbl.test/$DAY 1000
pol_db counter-put complaint/fbl.test/$DAY 3
sleep 1.3
out=$(pol_ask RCPT:news@shop.test:g1@gmail.com RCPT:news@small.test:g2@gmail.com RCPT:news@fbl.test:g3@gmail.com RCPT:news@clean.test:g4@gmail.com)
expect "guard: hard-bounce rate over 5% deferred, says how to lift" \
    "^action=DEFER_IF_PERMIT 4.7.1 sender domain shop.test: hard-bounce rate 6.00% \(60/1000\).*postbulk guard reset shop.test" "$(sed -n 1p <<<"$out")"
expect "guard: below the minimum volume not judged" "^action=DUNNO$" "$(sed -n 2p <<<"$out")"
expect "guard: complaint rate 0.3% deferred" "^action=DEFER_IF_PERMIT 4.7.1 sender domain fbl.test: complaint rate 0.30%" "$(sed -n 3p <<<"$out")"
expect "guard: clean sender DUNNO" "^action=DUNNO$" "$(sed -n 4p <<<"$out")"
if [ "$(id -u)" = 0 ]; then
    out=$(POSTBULK_FAKE_TIME=$POL_CLOCK runuser -u nobody -- "$POL_BIN" -c "$POL_CF" -R shop.test 2>&1; echo "rc=$?")
else
    out=$(POSTBULK_FAKE_TIME=$POL_CLOCK "$POL_BIN" -c "$POL_CF" -R shop.test 2>&1; echo "rc=$?")
fi
expect "guard reset command" "policy=guard-reset sender_domain=shop.test day=$DAY.*rc=0" "$out"
sleep 1.3
expect "guard lifted after reset" "^action=DUNNO$" "$(pol_ask RCPT:news@shop.test:g5@gmail.com)"

# 6. Malformed input: that connection closed, the daemon keeps serving.
bad=$(/usr/bin/python3 - "$POL_SOCK" <<'PY'
import socket, sys
out = []
for payload in (b"request=smtpd_access_policy\nno equals here\n\n",
                b"request=smtpd_access_policy\nsender=" + b"x" * 9000 + b"\n\n",
                b"".join(b"a%d=1\n" % i for i in range(150)) + b"\n"):
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
    try:
        s.sendall(payload); data = s.recv(100)
    except (ConnectionResetError, BrokenPipeError):
        data = b""
    out.append("closed" if data == b"" else "answered:" + data.decode())
print(" ".join(out))
PY
)
expect "malformed, oversized line, too many attributes: connection closed" "^closed closed closed$" "$bad"
expect "malformed request logged" "policy=malformed client=unix reason=\"line 2: missing '=' in attribute line\"" "$(cat "$POL_LOG")"
expect "daemon still serves after malformed input" "^action=DUNNO$" "$(pol_ask RCPT:a@shop.test:after@gmail.com)"

# 7. SIGHUP reloads the table without dropping connections.
out=$(/usr/bin/python3 - "$POL_SOCK" "$POL_PID" "$POL_TABLE" <<'PY'
import os, signal, socket, sys, time
sys.path.insert(0, os.environ["POSTBULK_TOP"] + "/tests/policyd") if "POSTBULK_TOP" in os.environ else None
sock, pid, table = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sock); f = s.makefile("rb")
def ask(rcpt):
    s.sendall(("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@shop.test\n"
               "recipient=%s\nqueue_id=\n\n" % rcpt).encode())
    line = f.readline().decode().strip(); f.readline(); return line
time.sleep(0.2)
r1 = ask("h1@daum.net"); r2 = ask("h2@daum.net")
t = open(table).read().replace("rate_per_minute = 60", "rate_per_minute = 120")
open(table, "w").write(t)
os.kill(pid, signal.SIGHUP); time.sleep(0.5)
# 120/min has the automatic bucket depth 2: the third in a row is deferred.
r4 = [ask("h%d@daum.net" % i) for i in (3, 4, 5, 6)]
print(r2); print(([r for r in r4 if r != "action=DUNNO"] + ["action=DUNNO"])[0])
PY
)
expect "before SIGHUP: 60/min" "rate limit 60/min" "$(sed -n 1p <<<"$out")"
expect "after SIGHUP, same connection: 120/min" "rate limit 120/min" "$(sed -n 2p <<<"$out")"
expect "reload logged with open connections" "reloaded: .*groups=3 connections=[1-9]" "$(cat "$POL_LOG")"
printf '[kakao]\ndomains = daum.net\nrate_per_minute = x\n' >"$POL_TABLE"
kill -HUP "$POL_PID"; sleep 0.5
expect "bad table on SIGHUP: error logged, old table kept" "reload failed, keeping the running configuration: .*line 3" "$(cat "$POL_LOG")"
expect "still serving the old table" "rate limit 120/min" "$(pol_ask RCPT:a@shop.test:h7@daum.net RCPT:a@shop.test:h8@daum.net RCPT:a@shop.test:h9@daum.net RCPT:a@shop.test:h10@daum.net)"
# A failed reload changes nothing: a valid new value read before the
# failure (here: the bad table) must not stay in force.
cp "$POL_CF" "$POL_CF.good"
pol_cf 'policyd_suppression_check = no'
kill -HUP "$POL_PID"; sleep 0.5
expect "failed reload keeps every old value (suppression still on)" \
    "^action=REJECT 5.1.1 <bad@naver.com>" "$(pol_ask RCPT:a@shop.test:bad@naver.com)"
cp "$POL_CF.good" "$POL_CF"
check "daemon alive" kill -0 "$POL_PID"
pol_stop
