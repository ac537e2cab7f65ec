#!/bin/bash
# bench.sh - make bench-milter: the same 4 KiB one-recipient message through
# one private Postfix, interleaved in rounds, three ways:
#   bare      no milter
#   opendkim  OpenDKIM (Debian 2.11) signing rsa-2048 relaxed/relaxed, unix socket
#   postbulk  postbulk-milter: template merge, VERP, List-Unsubscribe, records,
#             rsa-2048 signature, unix socket
# usage: bench.sh [N per mode (20000)] [ROUNDS (4)] [SESSIONS (10)]
# Each round sends N/ROUNDS messages per mode with smtp-source (-F, the same
# file for all modes) and times injection until the queue is empty again
# (delivery to smtp-sink). Ends with:
# BENCH milter bare_mps=N opendkim_mps=N postbulk_mps=N ratio_opendkim=N ratio_bare=N
set -u
N=${1:-${BENCH_N:-20000}}; ROUNDS=${2:-4}; S=${3:-10}
POSTBULK_TOP=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export POSTBULK_TOP
. "$POSTBULK_TOP/tests/lab/lab.sh"
command -v opendkim >/dev/null || { echo "bench-milter: opendkim (Debian package opendkim) is not installed" >&2; exit 69; }
command -v smtp-source >/dev/null || { echo "bench-milter: smtp-source missing (postfix)" >&2; exit 69; }

lab_start || exit 1
W=$LAB/mlt; mkdir -p "$W/templates" "$W/db" "$LAB/odk"
chmod 755 "$W" "$W/templates"; chown nobody "$W/db"; chown opendkim:opendkim "$LAB/odk"
openssl genrsa -out "$W/rsa.pem" 2048 2>/dev/null
cp "$W/rsa.pem" "$LAB/odk/key.pem"; chown opendkim "$LAB/odk/key.pem"; chmod 600 "$W/rsa.pem" "$LAB/odk/key.pem"
echo "shop.co.kr s2026 $W/rsa.pem" > "$W/keytable"
head -c 32 /dev/urandom > "$W/token.key"; chmod 600 "$W/token.key"

SINK_PORT=$(lab_free_port)
lab_bg smtp-sink -u postfix -c 127.0.0.1:$SINK_PORT 1000 >"$LAB/log/sink.out" 2>&1
lab_wait_port "$SINK_PORT" 10

cat > "$LAB/odk/opendkim.conf" <<EOF
Syslog                  no
Mode                    s
Domain                  shop.co.kr
Selector                s2026
KeyFile                 $LAB/odk/key.pem
Socket                  local:$LAB/odk/opendkim.sock
UMask                   0111
UserID                  opendkim:opendkim
Canonicalization        relaxed/relaxed
SignatureAlgorithm      rsa-sha256
OversignHeaders         From
InternalHosts           127.0.0.1
Background              no
RequireSafeKeys         no
EOF
lab_bg opendkim -f -x "$LAB/odk/opendkim.conf" >"$LAB/log/opendkim.out" 2>&1
lab_wait_for 10 test -S "$LAB/odk/opendkim.sock" || { cat "$LAB/log/opendkim.out"; exit 1; }

cat > "$W/postbulk.cf" <<EOF
db_directory = $W/db
bounce_domain = bounces.shop.co.kr
token_key_file = $W/token.key
milter_socket = unix:$LAB/run/milter.sock
milter_user = nobody
milter_template_directory = $W/templates
milter_dkim_key_table = $W/keytable
milter_unsubscribe_url = https://shop.co.kr/u/\$\${token}
EOF
lab_bg "$POSTBULK_TOP/milter/postbulk-milter" -c "$W/postbulk.cf" -d >"$LAB/log/milter.log" 2>&1
MLT_PID=$LAB_BG_PID
lab_wait_for 10 test -S "$LAB/run/milter.sock" || { cat "$LAB/log/milter.log"; exit 1; }

P_BARE=$(lab_free_port); P_ODK=$(lab_free_port); P_PB=$(lab_free_port)
lab_postconf "relayhost = [127.0.0.1]:$SINK_PORT" "milter_default_action = tempfail" \
    "default_process_limit = 200"
lab_postconf_M \
    "127.0.0.1:$P_BARE/inet=127.0.0.1:$P_BARE inet n - n - - smtpd" \
    "127.0.0.1:$P_ODK/inet=127.0.0.1:$P_ODK inet n - n - - smtpd -o smtpd_milters=unix:$LAB/odk/opendkim.sock" \
    "127.0.0.1:$P_PB/inet=127.0.0.1:$P_PB inet n - n - - smtpd -o smtpd_milters=unix:$LAB/run/milter.sock -o milter_macro_daemon_name=postbulk"
lab_reload
for p in $P_BARE $P_ODK $P_PB; do lab_wait_port "$p" 10 || exit 1; done

# The template (about 3 KiB of text + HTML) and the 4 KiB message.
{
    echo 'From: "${shop}" <news@shop.co.kr>'
    echo 'Subject: ${name}님, 11월 특가 안내'
    echo 'MIME-Version: 1.0'
    echo 'Content-Type: multipart/alternative; boundary="b1"'
    echo; echo '--b1'; echo 'Content-Type: text/plain; charset=utf-8'; echo
    for i in $(seq 1 12); do echo "안녕하세요 \${name}님, 쿠폰 \${coupon} 을 확인하세요. line $i"; done
    echo '--b1'; echo 'Content-Type: text/html; charset=utf-8'; echo
    echo '<html><body>'
    for i in $(seq 1 12); do echo "<p>안녕하세요 \${name}님, 쿠폰 <b>\${coupon}</b> line $i</p>"; done
    echo '</body></html>'; echo '--b1--'
} > "$W/templates/bench"
MSG=$LAB/msg.eml
{
    printf 'From: <news@shop.co.kr>\r\nTo: <rcpt@example.net>\r\nSubject: bench\r\n'
    printf 'X-Postbulk-Template: bench\r\nX-Postbulk-Campaign: bench\r\n'
    printf 'X-Postbulk-Vars: name=%%ED%%99%%8D%%EA%%B8%%B8%%EB%%8F%%99&coupon=%%3CSAVE10%%3E&shop=Shop\r\n\r\n'
    for i in $(seq 1 60); do printf 'body line %02d of the benchmark message, padding to four KiB...\r\n' "$i"; done
} > "$MSG"

queue_empty() { [ -z "$(find "$LAB_SPOOL"/incoming "$LAB_SPOOL"/active "$LAB_SPOOL"/deferred "$LAB_SPOOL"/hold "$LAB_SPOOL"/maildrop -type f -print -quit 2>/dev/null)" ]; }
run_one() {  # port count -> seconds
    local t0 t1
    t0=$(date +%s.%N)
    smtp-source -F "$MSG" -m "$2" -s "$S" -f bulk@shop.co.kr -t rcpt@example.net 127.0.0.1:"$1" >/dev/null 2>&1
    lab_wait_for 600 queue_empty
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}
cpu_of() {  # pid -> utime+stime in clock ticks, children included
    awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0
}
ODK_PID=$(pgrep -f "opendkim -f -x $LAB/odk/opendkim.conf" | head -1)
per=$((N / ROUNDS))
tb=0; to=0; tp=0
run_one "$P_BARE" 50 >/dev/null; run_one "$P_ODK" 50 >/dev/null; run_one "$P_PB" 50 >/dev/null  # warm-up
d0=$(lab_maillog_count 'status=deferred|status=bounced')
c_m0=$(cpu_of "$MLT_PID"); c_o0=$(cpu_of "${ODK_PID:-0}")
# BENCH_PERF=FILE: profile postbulk-milter during the rounds (perf record).
if [ -n "${BENCH_PERF:-}" ]; then
    lab_bg perf record -F 2000 -g -p "$MLT_PID" -o "$BENCH_PERF" >/dev/null 2>&1
    PERF_PID=$LAB_BG_PID
    sleep 0.5
fi
for r in $(seq 1 "$ROUNDS"); do
    b=$(run_one "$P_BARE" "$per"); o=$(run_one "$P_ODK" "$per"); p=$(run_one "$P_PB" "$per")
    echo "# round $r: bare ${b}s opendkim ${o}s postbulk ${p}s for $per messages each"
    tb=$(echo "$tb $b" | awk '{print $1 + $2}'); to=$(echo "$to $o" | awk '{print $1 + $2}'); tp=$(echo "$tp $p" | awk '{print $1 + $2}')
done
d1=$(lab_maillog_count 'status=deferred|status=bounced')
if [ -n "${BENCH_PERF:-}" ]; then
    kill -INT "$PERF_PID"; lab_wait_for 20 bash -c "! kill -0 $PERF_PID 2>/dev/null"
fi
c_m1=$(cpu_of "$MLT_PID"); c_o1=$(cpu_of "${ODK_PID:-0}")
tck=$(getconf CLK_TCK)
echo "$c_m0 $c_m1 $c_o0 $c_o1 $tck $((per * ROUNDS))" | awk '{
    printf "# CPU per message: postbulk-milter %.2f ms, opendkim %.2f ms\n",
        ($2 - $1) / $5 * 1000 / $6, ($4 - $3) / $5 * 1000 / $6 }'
rej=$(lab_maillog_count 'milter-reject')
signed=$(grep -c 'dkim=signed' "$LAB/log/milter.log")
echo "# deferred/bounced during the runs: $((d1 - d0)); milter rejects: $rej; postbulk-milter signed: $signed"
total=$((per * ROUNDS))
echo "$total $tb $to $tp" | awk '{
    b = $1 / $2; o = $1 / $3; p = $1 / $4;
    printf "BENCH milter bare_mps=%.0f opendkim_mps=%.0f postbulk_mps=%.0f ratio_opendkim=%.2f ratio_bare=%.2f\n", b, o, p, p / o, p / b }'
