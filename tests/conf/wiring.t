#!/bin/bash
# timeout: 90
#
# conf/wiring.t - the Postfix settings of "postbulk-conf apply" really
# connect the parts: the real postbulk-policyd and postbulk-milter run on
# the sockets postbulk.cf names, a message submitted to the postbulk
# listener passes the policy service and the milter, leaves through the
# group transport to the fake MX with a DKIM signature that verifies
# (dkimpy, offline) and a VERP return path in the bounce domain, and local
# submission (sendmail, non_smtpd_milters) is signed too.

set -u
. "$POSTBULK_TOP/tests/lab/lab.sh"

top=$POSTBULK_TOP
PC=$top/postfix-conf/postbulk-conf
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

for b in policyd/postbulk-policyd milter/postbulk-milter postfix-conf/postbulk-conf-plan; do
    [ -x "$top/$b" ] || { echo "not ok - $b is not built"; exit 1; }
done

T=$(mktemp -d /tmp/postbulk-wiring.XXXXXX) || exit 1
lab_on_exit "rm -rf '$T'"
chmod 755 "$T"
mkdir -p "$T/db" "$T/run" "$T/templates"
chown nobody "$T/db"          # the daemons run as nobody here (postbulk in production)
head -c 32 /dev/urandom >"$T/token.key"
chmod 600 "$T/token.key"
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$T/dkim.pem" 2>/dev/null ||
    { echo "not ok - openssl genpkey"; exit 1; }
openssl pkey -in "$T/dkim.pem" -pubout -outform DER 2>/dev/null | base64 -w0 >"$T/dkim.pub"
echo "shop.example s1 $T/dkim.pem" >"$T/keys"
cat >"$T/destinations.cf" <<'EOF'
[default]
rate_per_minute = 0
[kakao]
domains = daum.net, hanmail.net, kakao.com
concurrency_limit = 2
rate_per_minute = 0
EOF

lab_fakemx_start || { echo "not ok - fake MX did not start"; exit 1; }
lab_start || { echo "not ok - lab Postfix did not start"; exit 1; }
LPORT=$(lab_free_port)
cat >"$T/postbulk.cf" <<EOF
db_directory = $T/db
token_key_file = $T/token.key
bounce_domain = bounces.lab.test
destination_table = $T/destinations.cf
milter_socket = unix:$T/run/milter.sock
milter_user = nobody
milter_socket_group = postfix
milter_dkim_key_table = $T/keys
milter_template_directory = $T/templates
policyd_listen = unix:$T/run/policy.sock
policyd_user = nobody
conf_listener = 127.0.0.1:$LPORT
conf_relay_nexthop = [127.0.0.1]:$LAB_MX_PORT
conf_bounce_command = /bin/true
conf_bounce_user = nobody
EOF

lab_bg "$top/policyd/postbulk-policyd" -d -c "$T/postbulk.cf" >"$LAB/log/policyd.log" 2>&1
lab_bg "$top/milter/postbulk-milter" -d -c "$T/postbulk.cf" >"$LAB/log/milter.log" 2>&1
milter_pid=$LAB_BG_PID
if ! lab_wait_for 10 test -S "$T/run/policy.sock" -a -S "$T/run/milter.sock"; then
    nok "policyd and milter sockets appear"
    sed 's/^/# /' "$LAB/log/policyd.log" "$LAB/log/milter.log"
    exit 1
fi
ok "policyd and milter listen on the sockets of postbulk.cf"

out=$("$PC" apply -c "$LAB_ETC" --postbulk-config "$T/postbulk.cf" 2>&1) || { nok "apply: $out"; exit 1; }
touch -d '-1 min' "$LAB_ETC/main.cf"	# as lab_postconf does: no 1 s "cool down" wait
check "postfix check is clean" [ -z "$(postfix -c "$LAB_ETC" check 2>&1)" ]
lab_reload
lab_wait_port "$LPORT" 10 || nok "listener 127.0.0.1:$LPORT is up"

# Through the postbulk listener: policy service at RCPT, milter at DATA.
out=$(lab_send -p "$LPORT" -f news@shop.example -t kim@daum.net -H 'From: Shop <news@shop.example>' \
    -s 'wiring test' -b 'Hello from the postbulk listener.' 2>&1)
check "listener accepts the message (policy service and milter answer)" grep -q '^sent' <<<"$out"
[ $? = 0 ] || echo "$out" | sed 's/^/# /'
lab_wait_for 20 sh -c "[ \$(grep -c 'postfix/pb_kakao/smtp.*status=sent' '$LAB_MAILLOG') -ge 1 ]"
check "delivered through the group transport pb_kakao" [ "$(lab_maillog_count 'postfix/pb_kakao/smtp.*to=<kim@daum.net>.*status=sent')" = 1 ]
check "the policy service saw the recipient (maillog: no policy errors)" \
    [ "$(lab_maillog_count 'warning: problem talking to server')" = 0 ]

msg=$(ls "$LAB_MX_DIR"/msgs/*.eml 2>/dev/null | head -1)
if [ -n "$msg" ]; then
    check "the message carries a DKIM-Signature with d=shop.example s=s1" \
	grep -qiE '^DKIM-Signature:.*d=shop\.example' "$msg"
    /usr/bin/python3 - "$T/dkim.pub" "$msg" >"$T/verify.out" 2>&1 <<'EOF'
import sys, dkim
pub = open(sys.argv[1]).read().strip()
rec = ("v=DKIM1; k=rsa; p=" + pub).encode()
msg = open(sys.argv[2], "rb").read()
ok = dkim.verify(msg, dnsfunc=lambda name, timeout=5: rec)
print("dkim", "pass" if ok else "fail")
sys.exit(0 if ok else 1)
EOF
    check "the DKIM signature verifies (dkimpy, offline)" [ $? = 0 ]
    sed 's/^/# /' "$T/verify.out"
    check "the envelope sender is a VERP address in the bounce domain" \
	grep -q '"bounce+[^"]*@bounces\.lab\.test"' <<<"$(lab_mx_messages daum.net)"
else
    nok "the fake MX received the message"
fi

# Local submission: sendmail -> pickup -> cleanup -> non_smtpd_milters.
printf 'From: news@shop.example\nTo: lee@hanmail.net\nSubject: local\n\nlocal submission\n' |
    sendmail -C "$LAB_ETC" -f news@shop.example lee@hanmail.net
lab_wait_for 20 sh -c "[ \$(grep -c 'to=<lee@hanmail.net>.*status=sent' '$LAB_MAILLOG') -ge 1 ]"
msg2=$(grep -l 'lee@hanmail.net' "$LAB_MX_DIR"/msgs/*.eml 2>/dev/null | head -1)
check "local submission is signed by the milter too (non_smtpd_milters)" \
    [ -n "$msg2" ] && grep -qi '^DKIM-Signature:' "$msg2"

# Milter down (killed, as by a crash): mail to the listener is deferred,
# never sent unsigned.
kill -KILL "$milter_pid" 2>/dev/null
gone() { ! lab_alive "$1"; }
lab_wait_for 10 gone "$milter_pid"
out=$(lab_send -p "$LPORT" -f news@shop.example -t park@kakao.com -s 'milter down' -b x 2>&1)
check "milter down: the listener answers 4xx (milter_default_action = tempfail)" grep -q ' 4[0-9][0-9] ' <<<"$out"

"$PC" remove -c "$LAB_ETC" --postbulk-config "$T/postbulk.cf" >/dev/null 2>&1
check "remove: postfix check is clean" [ -z "$(postfix -c "$LAB_ETC" check 2>&1)" ]
exit $fail
