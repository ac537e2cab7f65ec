# mlt_setup.sh - shared set-up of the milter lab tests (sourced, not run).
#
# After ". mlt_setup.sh": a private Postfix ($LAB...) relaying to the fake MX,
# postbulk-milter running on $LAB/run/milter.sock as nobody, with
#   MLT_W        work directory (templates/, db/, keys, postbulk.cf)
#   MLT_PORT     the postbulk listener (-o milter_macro_daemon_name=postbulk)
#   LAB_SMTP_PORT the plain listener (same milter, untrusted)
#   MLT_PID      the milter
# mlt_start_milter / mlt_stop_milter restart it (config changes).
. "$POSTBULK_TOP/tests/lab/lab.sh"

mlt_start_milter() {
    rm -f "$LAB/run/milter.sock"
    lab_bg "$MLT_BIN" -d -c "$MLT_W/postbulk.cf" >>"$LAB/log/milter.log" 2>&1
    MLT_PID=$LAB_BG_PID
    lab_wait_for 10 test -S "$LAB/run/milter.sock"
}

mlt_stop_milter() {  # [SIGNAL]; libmilter takes up to ~5 s to leave after TERM
    local i
    kill -"${1:-TERM}" "$MLT_PID" 2>/dev/null
    for i in $(seq 1 100); do
        lab_alive "$MLT_PID" || return 0
        sleep 0.1
    done
    kill -KILL "$MLT_PID" 2>/dev/null
}

lab_fakemx_start
lab_start || exit 1
[ -n "$LAB" ] && [ -d "$LAB" ] || { echo "not ok - lab directory missing"; exit 1; }
MLT_BIN=$POSTBULK_TOP/milter/postbulk-milter
MLT_W=$LAB/mlt
mkdir -p "$MLT_W/templates" "$MLT_W/db"
chmod 755 "$MLT_W" "$MLT_W/templates"
chown nobody "$MLT_W/db"
openssl genrsa -out "$MLT_W/rsa.pem" 2048 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$MLT_W/ed.pem" 2>/dev/null
chmod 600 "$MLT_W/rsa.pem" "$MLT_W/ed.pem"
printf 'shop.co.kr s2026 %s\nshop.co.kr e2026 %s\n' "$MLT_W/rsa.pem" "$MLT_W/ed.pem" \
    > "$MLT_W/keytable"
head -c 32 /dev/urandom > "$MLT_W/token.key"
chmod 600 "$MLT_W/token.key"
printf '%s\n' '보낸 사람: ${sender_name} (${contact})' \
    '수신을 원하지 않으시면 수신거부: ${unsubscribe_url}' > "$MLT_W/footer.txt"
cat > "$MLT_W/postbulk.cf" <<CF
db_directory = $MLT_W/db
bounce_domain = bounces.shop.co.kr
token_key_file = $MLT_W/token.key
milter_socket = unix:$LAB/run/milter.sock
milter_user = nobody
milter_socket_group = postfix
milter_template_directory = $MLT_W/templates
milter_dkim_key_table = $MLT_W/keytable
milter_ad_footer_template = $MLT_W/footer.txt
milter_unsubscribe_url = https://shop.co.kr/u/\$\${token}
milter_feedback_id = \$\${campaign}:\$\${sender_domain}:postbulk
milter_missing_variable = reject
CF

mlt_start_milter || { echo "not ok - milter did not start"; cat "$LAB/log/milter.log"; exit 1; }
MLT_PORT=$(lab_free_port)
# No header rewriting by cleanup for local clients: Postfix would add a
# Message-ID itself, and the milter's own would never be tested.
lab_postconf "smtpd_milters = unix:$LAB/run/milter.sock" \
    "milter_default_action = tempfail" "local_header_rewrite_clients ="
lab_postconf_M "127.0.0.1:$MLT_PORT/inet=127.0.0.1:$MLT_PORT inet n - n - - smtpd -o milter_macro_daemon_name=postbulk"
lab_reload
lab_wait_port "$MLT_PORT" 10
