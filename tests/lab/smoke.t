#!/bin/bash
# smoke.t - the lab itself: fake MX + private Postfix, delivery, bounce, stats, clean-up
# timeout: 60
#
# Sends through a private Postfix to two domains of the fake MX (one recipient
# is unknown there), and checks what the sink stored (envelope, body), the
# bounce in the maillog and the DSN, the per-domain statistics (counts,
# sessions, windows) and that clean-up leaves no process and no directory.

top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export POSTBULK_TOP=$top
. "$top/tests/lab/lab.sh"

fails=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fails=$((fails + 1)); }
check() {	# check "what" CMD...
    local what=$1; shift
    if "$@"; then ok "$what"; else nok "$what"; fi
}
eq() {		# eq "what" GOT WANT
    if [ "$2" = "$3" ]; then ok "$1 ($2)"; else nok "$1: got '$2', want '$3'"; fi
}

conf=$(mktemp /tmp/smoke-fakemx.XXXXXX.ini)
lab_on_exit "rm -f '$conf'"
cat >"$conf" <<'EOF'
[default]
reject_users = nouser*

[slow.test]
delay_rcpt = 0.4
EOF

t0=$EPOCHREALTIME
lab_fakemx_start "$conf" || { nok "fake MX starts"; exit 1; }
lab_start || { nok "lab starts"; exit 1; }
t1=$EPOCHREALTIME
ok "fake MX and Postfix up in $(( (${t1/./} - ${t0/./}) / 1000 )) ms (smtpd :$LAB_SMTP_PORT, MX :$LAB_MX_PORT)"

check "main.cf: relayhost is the fake MX" \
    [ "$(postconf -c "$LAB_ETC" -h relayhost)" = "[127.0.0.1]:$LAB_MX_PORT" ]
check "main.cf backdated (Postfix does not wait for it to cool down)" \
    [ $(( $(date +%s) - $(stat -c %Y "$LAB_ETC/main.cf") )) -ge 30 ]
maincf=$(postconf -c "$LAB_ETC" -n)
for p in "compatibility_level = 3.6" "mydestination =" "inet_protocols = ipv4" \
         "inet_interfaces = 127.0.0.1" "disable_dns_lookups = yes" "smtp_host_lookup = native" \
         "maillog_file = $LAB_MAILLOG"; do
    check "main.cf: $p" grep -qxF -- "$p" <<<"$maincf"
done
chroot=$(postconf -c "$LAB_ETC" -F '*/*/chroot')
eq "master.cf: chroot n for every service ($(grep -c . <<<"$chroot") services)" \
    "$(grep -c ' = n$' <<<"$chroot")" "$(grep -c . <<<"$chroot")"
check "master.cf: has the postlog service" grep -q '^postlog/unix-dgram/chroot = n$' <<<"$chroot"
# The master's only listening socket is the lab's smtpd port (no port 25).
eq "master listens on 127.0.0.1:$LAB_SMTP_PORT only" \
    "$(ss -Htlnp | grep "pid=$LAB_MASTER_PID," | awk '{print $4}' | sort -u)" "127.0.0.1:$LAB_SMTP_PORT"

# --- delivery through Postfix: 3 to naver.com, 1 to daum.net with an unknown user
marker="smoke-$$-$RANDOM"
out=$(lab_send -f bulk@example.com -t alice@naver.com -s "smoke {n}" \
      -H "X-Campaign: c42" -b "body $marker {n}" -n 3)
eq "smtpd accepted 3 messages for naver.com" "$(grep -c '^sent' <<<"$out")" 3
out=$(lab_send -f bulk@example.com -t bob@daum.net -t nouser1@daum.net -b "daum $marker")
eq "smtpd accepted the daum.net message (both recipients)" "$out" "sent 1"

check "queue empty within 15 s" lab_wait_queue_empty 15
check "maillog: nouser1@daum.net bounced with 5.1.1" \
    lab_wait_maillog 'to=<nouser1@daum.net>.*dsn=5\.1\.1, status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1' 1 5
check "maillog: bob@daum.net sent" lab_wait_maillog 'to=<bob@daum.net>.*status=sent' 1 5
if lab_wait_maillog 'no such line' 1 0.3; then nok "lab_wait_maillog found an absent line"
else ok "lab_wait_maillog gives up on an absent line"; fi
eq "maillog: 3 messages to alice@naver.com sent" \
    "$(lab_maillog_count 'to=<alice@naver.com>.*status=sent')" 3

eq "fake MX: naver.com messages" "$(lab_mx_count naver.com)" 3
eq "fake MX: daum.net messages" "$(lab_mx_count daum.net)" 1
# The bounce for nouser1 goes back to bulk@example.com, i.e. also to the fake MX.
check "fake MX: the DSN for example.com arrives" lab_wait_mx 1 10 example.com
eq "fake MX: total messages" "$(lab_mx_count)" 5
eq "fake MX: daum.net rcpts_rejected" "$(lab_mx_stat daum.net rcpts_rejected)" 1
eq "fake MX: daum.net replies" "$(lab_mx_stat daum.net replies)" '{"250": 1, "550": 1}'
eq "fake MX: naver.com rcpts_accepted" "$(lab_mx_stat naver.com rcpts_accepted)" 3
eq "fake MX: naver.com max_per_10s" "$(lab_mx_stat naver.com max_per_10s)" 3
eq "fake MX: naver.com max_per_60s" "$(lab_mx_stat naver.com max_per_60s)" 3
sm=$(lab_mx_stat naver.com sessions_max)
check "fake MX: naver.com sessions_max in 1..3 ($sm)" [ "$sm" -ge 1 ] && [ "$sm" -le 3 ]

# Envelope and content as stored.
py=/usr/bin/python3
$py - "$LAB_MX_DIR" "$marker" <<'EOF' >"$LAB/run/check.out" 2>&1
import json, sys
d, marker = sys.argv[1], sys.argv[2]
recs = [json.loads(l) for l in open(d + "/index.jsonl")]
bad = []
naver = [r for r in recs if r["rcpts"] == ["alice@naver.com"]]
daum = [r for r in recs if r["rcpts"] == ["bob@daum.net"]]
dsn = [r for r in recs if r["rcpts"] == ["bulk@example.com"]]
if len(naver) != 3: bad.append("naver records: %d" % len(naver))
if len(daum) != 1: bad.append("daum records (nouser1 must be absent): %d" % len(daum))
if len(dsn) != 1 or dsn[0]["mail_from"] != "": bad.append("DSN record wrong: %r" % dsn)
for r in naver + daum:
    if r["mail_from"] != "bulk@example.com": bad.append("mail_from %r" % r["mail_from"])
    if r["file"] != "msgs/%06d.eml" % r["n"]: bad.append("file name %r" % r["file"])
    env = json.load(open("%s/msgs/%06d.json" % (d, r["n"])))
    if env != r: bad.append("msgs/%06d.json differs from the index line" % r["n"])
    if not r["session"].startswith("s") or r["helo"] != "mta.lab.test":
        bad.append("session/helo %r %r" % (r["session"], r["helo"]))
bodies = sorted(open(d + "/" + r["file"], "rb").read().decode() for r in naver)
for i, b in enumerate(bodies, 1):
    if "\r\n\r\nbody %s %d\r\n" % (marker, i) not in b: bad.append("naver body %d: %r" % (i, b[-80:]))
    if "X-Campaign: c42\r\n" not in b or "Subject: smoke %d\r\n" % i not in b:
        bad.append("naver headers %d" % i)
    if "Received: from client.lab.test" not in b: bad.append("no Received header from Postfix")
db = open(d + "/" + daum[0]["file"], "rb").read().decode() if daum else ""
if "daum " + marker not in db: bad.append("daum body")
if dsn:
    t = open(d + "/" + dsn[0]["file"], "rb").read().decode()
    for want in ("Final-Recipient: rfc822; nouser1@daum.net", "Status: 5.1.1", "Action: failed"):
        if want not in t: bad.append("DSN lacks %r" % want)
print("\n".join(bad) if bad else "all good")
sys.exit(1 if bad else 0)
EOF
check "fake MX stored envelope, headers, bodies and the DSN: $(tail -1 "$LAB/run/check.out")" \
    grep -qx "all good" "$LAB/run/check.out"
[ "$fails" = 0 ] || cat "$LAB/run/check.out"

# --- session statistics, exact: straight to the fake MX, no Postfix scheduling.
# 5 parallel sessions to slow.test (RCPT waits 0.4 s, so they all overlap),
# then 3 messages over one session to one.test.
out=$(lab_send -p "$LAB_MX_PORT" -f x@lab.test -t u@slow.test -n 5 -c 5)
eq "direct: 5 messages to slow.test accepted" "$(grep -c '^sent' <<<"$out")" 5
out=$(lab_send -p "$LAB_MX_PORT" -f x@lab.test -t u@one.test -t nouser9@one.test -n 3 -c 1)
eq "direct: nouser9@one.test refused 3 times" "$(grep -c '^refused .* nouser9@one.test 550 5.1.1' <<<"$out")" 3
eq "stats: slow.test sessions_max" "$(lab_mx_stat slow.test sessions_max)" 5
eq "stats: slow.test sessions" "$(lab_mx_stat slow.test sessions)" 5
eq "stats: one.test sessions_max" "$(lab_mx_stat one.test sessions_max)" 1
eq "stats: one.test messages" "$(lab_mx_stat one.test messages)" 3
eq "stats: one.test max_per_10s" "$(lab_mx_stat one.test max_per_10s)" 3
eq "stats: one.test rcpts_rejected" "$(lab_mx_stat one.test rcpts_rejected)" 3
eq "stats: total messages" "$(lab_mx_count)" 13
check "stats: connections_max >= 5" [ "$(lab_mx_stat - connections_max)" -ge 5 ]
lab_mx_stats >"$LAB/run/stats.out"
check "lab_mx_stats prints the domains" grep -q '"slow.test"' "$LAB/run/stats.out"

# --- lab_postconf + lab_reload: the reload is seen and the setting active
lab_postconf "smtpd_banner = \$myhostname ESMTP smoke-$marker" && lab_reload
banner=$($py -c 'import smtplib, sys
s = smtplib.SMTP(); print(s.connect("127.0.0.1", int(sys.argv[1]))[1].decode()); s.quit()' "$LAB_SMTP_PORT" 2>&1)
case $banner in
*"smoke-$marker"*) ok "lab_reload applied a main.cf change (new smtpd banner)" ;;
*) nok "lab_reload applied a main.cf change: banner '$banner'" ;;
esac

# --- lab_start explains a failed start, and retries when its port was taken
# (two child labs, run in the background while the next section runs)
cat >"$LAB/run/bad.sh" <<'EOF'
. "$POSTBULK_TOP/tests/lab/lab.sh"
eval "$(declare -f _lab_write_main_cf | sed '1s/_lab_write_main_cf/_orig_main_cf/')"
_lab_write_main_cf() { _orig_main_cf; echo "inet_interfaces = 192.0.2.77" >>"$LAB_ETC/main.cf"; }
lab_start
echo "lab_start returned $?"
EOF
bash "$LAB/run/bad.sh" >"$LAB/run/bad.out" 2>&1 & bad_pid=$!
cat >"$LAB/run/taken.sh" <<'EOF'
. "$POSTBULK_TOP/tests/lab/lab.sh"
lab_fakemx_start || exit 1
eval "$(declare -f lab_free_port | sed '1s/lab_free_port/_orig_free_port/')"
# The first port offered is the fake MX's, which is in use: master cannot bind it.
lab_free_port() {
    if [ ! -e "$LAB/run/offered" ]; then touch "$LAB/run/offered"; echo "$LAB_MX_PORT"
    else _orig_free_port; fi
}
lab_start || exit 1
lab_send -t x@retry.test && lab_wait_queue_empty 10 && echo "delivered $(lab_mx_count retry.test)"
EOF
bash "$LAB/run/taken.sh" >"$LAB/run/taken.out" 2>&1 & taken_pid=$!
lab_on_exit "kill $bad_pid $taken_pid 2>/dev/null || true"

# --- per-domain transport: Postfix's concurrency limit as seen by the fake MX.
# 12 messages each to naver.com (limit 2) and daum.net (default transport,
# limit 20); the fake MX holds each RCPT 0.3 s so that sessions overlap.
printf '[naver.com]\ndelay_rcpt = 0.3\n[daum.net]\ndelay_rcpt = 0.3\n' >"$conf"
lab_fakemx_restart "$conf" || nok "fake MX restart"
lab_transport naver.com naver destination_concurrency_limit=2 destination_rate_delay=0s &&
    lab_reload && ok "lab_transport + lab_reload" || nok "lab_transport + lab_reload"
out=$(lab_send -f bulk@example.com -t n@naver.com -n 12 -c 4; lab_send -f bulk@example.com -t d@daum.net -n 12 -c 4)
eq "24 messages accepted by smtpd" "$(grep -c '^sent' <<<"$out")" 24
check "queue empty within 20 s" lab_wait_queue_empty 20
eq "naver.com: 12 more messages" "$(lab_mx_stat naver.com messages)" 12
eq "naver.com: sessions_max = destination_concurrency_limit" "$(lab_mx_stat naver.com sessions_max)" 2
dm=$(lab_mx_stat daum.net sessions_max)
check "daum.net (default transport): sessions_max $dm > 2" [ "$dm" -gt 2 ]
check "naver transport used (EHLO naver.out.lab.test)" \
    grep -q '"helo": "naver.out.lab.test".*"rcpts": \["n@naver.com"\]' "$LAB_MX_DIR/index.jsonl"

# the two child labs started above
wait "$bad_pid" "$taken_pid"
out=$(cat "$LAB/run/bad.out")
case $out in
*"start failed"*"fatal: parameter inet_interfaces: no local interface found for 192.0.2.77"*"lab_start returned 1"*)
    ok "failed lab_start returns 1 and shows Postfix's fatal error" ;;
*) nok "failed lab_start: '$out'" ;;
esac
out=$(cat "$LAB/run/taken.out")
case $out in
*"taken meanwhile, retrying"*"delivered 1"*) ok "lab_start retries with another port when its port is taken" ;;
*) nok "lab_start port retry: '$out'" ;;
esac

# --- clean-up: every process gone, directory removed
lab_bg sleep 300
bg=$LAB_BG_PID
# a helper with a child of its own: the child must go too
lab_bg bash -c 'sleep 301 & echo $! >"$1"; wait' lab-helper "$LAB/run/grandchild.pid"
lab_wait_for 5 test -s "$LAB/run/grandchild.pid" || nok "lab_bg helper started its child"
gc=$(cat "$LAB/run/grandchild.pid")
pids="$LAB_MASTER_PID $LAB_MX_PID $bg $LAB_BG_PID $gc $(cat /proc/"$LAB_MASTER_PID"/task/*/children 2>/dev/null)"
lab_dir=$LAB
t2=$EPOCHREALTIME
lab_cleanup
t3=$EPOCHREALTIME
ok "lab_cleanup took $(( (${t3/./} - ${t2/./}) / 1000 )) ms"
left=
for p in $pids; do lab_alive "$p" && left="$left $p($(tr '\0' ' ' </proc/$p/cmdline))"; done
eq "no lab process left (master, its children, fake MX, lab_bg and a grandchild)" "${left:-none}" none
check "lab directory removed" [ ! -e "$lab_dir" ]
check "smtpd port closed" bash -c "! ss -Htln 'sport = :$LAB_SMTP_PORT' | grep -q ."
check "fake MX port closed" bash -c "! ss -Htln 'sport = :$LAB_MX_PORT' | grep -q ."
exit $((fails > 0))
