# stack.sh - the whole postbulk stack in a private lab (a bash library)
#
# SYNOPSIS
#	. "$POSTBULK_TOP/tests/e2e/stack.sh"	# sources tests/lab/lab.sh
#	STACK_TIME_BASE=2s stack_start [DESTINATIONS_CF [FAKEMX_CONF]]
#	stack_campaign NAME LIST [submit options...]
#	stack_restart policyd|milter|follower
#	stack_postfix_restart
#	stack_wait_settled NAME TIMEOUT
#	stack_cli status NAME
#
# DESCRIPTION
#	Brings up, in one lab directory ($LAB, see tests/lab/README):
#	- the fake portal MX (tests/lab/fakemx.py) for naver.com, daum.net,
#	  hanmail.net, kakao.com (group kakao), gmail.com, nate.com, with
#	  unknown users "nouser*" and one throttling portal (nate.com unless
#	  STACK_MX_CONF names another configuration);
#	- a private Postfix wired by "postbulk-conf apply -c $LAB_ETC" with a
#	  postbulk.cf whose db_directory, token key, template directory and
#	  sockets are all inside $STACK (= $LAB/pb), and whose transports go
#	  to the fake MX (conf_relay_nexthop);
#	- postbulk-milter and postbulk-policyd on unix sockets, the outcome
#	  follower (postbulk-bounce --maillog), and the bounce pipe(8)
#	  transport (run by Postfix);
#	- DKIM keys made on the fly: rsa-2048 (selector s2048) and ed25519
#	  (selector e2026) for the From domain shop.example.co.kr;
#	- the Korean HTML template tests/demo/templates/winter-sale.
#	Every daemon runs as "nobody" (the "postbulk" user of a real install)
#	and is started through lab_bg, so the lab's trap stops it by PID.
#
#	stack_restart kills a daemon with SIGKILL and starts it again with
#	the same command line, as systemd's Restart=always would. For the
#	outcome follower the state file makes it continue where it stopped.
#	stack_postfix_restart stops Postfix and starts it again ("postfix
#	stop; postfix start"), keeping the applied configuration.
#	stack_campaign runs postbulk-submit campaign with the template
#	winter-sale (summary, report and stderr in $STACK/out/NAME.*);
#	stack_wait_settled waits until the queue is empty and no record of
#	the campaign is left in status 0; stack_queued_count prints that
#	number; stack_cli runs the postbulk CLI as the daemons' user;
#	stack_as runs any command as that user.
#
# VARIABLES
#	STACK		the stack directory ($LAB/pb): db/ run/ templates/ state/
#	STACK_CF	its postbulk.cf; STACK_LISTEN_PORT the postbulk listener
#	STACK_KEYTABLE	the milter's DKIM key table
#	STACK_FROM	the sender ("쇼핑몰 <news@shop.example.co.kr>")
#	STACK_PID_policyd, STACK_PID_milter, STACK_PID_follower
#	Set before stack_start:
#	STACK_TIME_BASE	policyd_time_base (default 60s)
#	STACK_USER	user of the daemons (default nobody)
#	STACK_DEST	destination table (default: stack_default_dest)
#	STACK_MX_CONF	fake MX configuration (default: stack_default_mx)
#	STACK_EXTRA_CF	more postbulk.cf lines
#	STACK_DKIM_ALGS	"rsa ed25519" (default), "rsa" or "ed25519": the keys
#			the milter signs with
#	STACK_HARD_ERROR_LIMIT	smtpd_hard_error_limit of the listener (200)
#
# DIAGNOSTICS
#	Functions print "stack: ..." on standard error and return non-zero.

[ -n "${_STACK_SH_LOADED:-}" ] && return 0
_STACK_SH_LOADED=1

: "${POSTBULK_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
. "$POSTBULK_TOP/tests/lab/lab.sh"

STACK_BIN_POLICYD=$POSTBULK_TOP/policyd/postbulk-policyd
STACK_BIN_MILTER=$POSTBULK_TOP/milter/postbulk-milter
STACK_BIN_BOUNCE=$POSTBULK_TOP/bounce-pipe/postbulk-bounce
STACK_BIN_SUBMIT=$POSTBULK_TOP/submit/postbulk-submit
STACK_BIN_CLI=$POSTBULK_TOP/db/postbulk
STACK_BIN_CONF=$POSTBULK_TOP/postfix-conf/postbulk-conf
STACK_TEMPLATES=$POSTBULK_TOP/tests/demo/templates
STACK_USER=${STACK_USER:-nobody}
STACK_FROM='쇼핑몰 <news@shop.example.co.kr>'
STACK_DOMAIN=shop.example.co.kr
STACK_BOUNCE_DOMAIN=bounces.shop.example.co.kr
STACK= STACK_CF= STACK_LISTEN_PORT= STACK_KEYTABLE=
STACK_PID_policyd= STACK_PID_milter= STACK_PID_follower=

_stack_err() { echo "stack: $*" >&2; }

# stack_as CMD...: run CMD as the daemons' user (the db belongs to it).
stack_as() { setpriv --reuid="$STACK_USER" --regid="$(id -g "$STACK_USER")" --clear-groups -- "$@"; }

# stack_cli ARGS...: the postbulk admin CLI on the stack's db.
stack_cli() { stack_as "$STACK_BIN_CLI" -c "$STACK_CF" "$@"; }

# stack_default_dest FILE: six destination groups, limits for a short
# time base. Rates per "minute" = per policyd_time_base.
stack_default_dest() {
    cat >"$1" <<'EOF'
# destination groups of the postbulk lab stack (tests/e2e/stack.sh)
[default]
rate_per_minute = 0
rate_per_hour = 0
daily_cap = 0
backoff_factor = 2
backoff_duration = 20s
backoff_recovery = 10s
backoff_max_level = 2
concurrency_limit = 4
rate_delay = 0s
recipient_limit = 50
messages_per_connection = 100

[naver]
domains = naver.com
rate_per_minute = 40
concurrency_limit = 2

[kakao]
domains = daum.net, hanmail.net, kakao.com
rate_per_minute = 40
concurrency_limit = 2

[gmail]
domains = gmail.com, googlemail.com
rate_per_minute = 40
concurrency_limit = 3

[nate]
domains = nate.com
rate_per_minute = 20
concurrency_limit = 1

[outlook]
domains = hotmail.com, outlook.com
rate_per_minute = 20
concurrency_limit = 1

[yahoo]
domains = yahoo.co.kr, yahoo.com
rate_per_minute = 20
concurrency_limit = 2
EOF
}

# stack_default_mx FILE: the portals; nate.com throttles (421 after 30
# messages in 5 s).
stack_default_mx() {
    cat >"$1" <<'EOF'
# fake portal MX of the postbulk lab stack (tests/e2e/stack.sh)
[default]
reject_users = nouser*

[naver.com]
group = naver

[daum.net]
group = kakao
[hanmail.net]
group = kakao
[kakao.com]
group = kakao

[gmail.com]
group = gmail

[nate.com]
group = nate
throttle_per_minute = 30
throttle_window = 5
throttle_reply = 421 4.7.0 nate.com: too many messages from your IP, try again later

[hotmail.com]
group = outlook
[yahoo.co.kr]
group = yahoo
EOF
}

# _stack_keys: token key, DKIM keys (rsa-2048, ed25519), key table.
_stack_keys() {
    head -c 48 /dev/urandom >"$STACK/token.key"
    openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$STACK/dkim-rsa.pem" 2>/dev/null ||
        { _stack_err "openssl: cannot make an rsa-2048 key"; return 1; }
    openssl genpkey -algorithm ed25519 -out "$STACK/dkim-ed25519.pem" 2>/dev/null ||
        { _stack_err "openssl: cannot make an ed25519 key"; return 1; }
    STACK_KEYTABLE=$STACK/dkim.keytable
    : >"$STACK_KEYTABLE"
    case " ${STACK_DKIM_ALGS:-rsa ed25519} " in *" rsa "*)
        echo "$STACK_DOMAIN s2048 $STACK/dkim-rsa.pem" >>"$STACK_KEYTABLE" ;; esac
    case " ${STACK_DKIM_ALGS:-rsa ed25519} " in *" ed25519 "*)
        echo "$STACK_DOMAIN e2026 $STACK/dkim-ed25519.pem" >>"$STACK_KEYTABLE" ;; esac
    chmod 600 "$STACK/token.key" "$STACK"/dkim-*.pem
    # bounce-pipe reads the token key as the pipe user; the other daemons
    # read their keys before they drop privileges.
    chown "$STACK_USER" "$STACK/token.key"
}

_stack_write_cf() {
    cat >"$STACK_CF" <<EOF
# postbulk.cf of the lab stack (tests/e2e/stack.sh)
db_directory = $STACK/db
token_key_file = $STACK/token.key
bounce_domain = $STACK_BOUNCE_DOMAIN
destination_table = $STACK/destinations.cf
db_lock_timeout = 10s

policyd_listen = unix:$STACK/run/policy.sock
policyd_user = $STACK_USER
policyd_time_base = ${STACK_TIME_BASE:-60s}
policyd_persist_interval = 1s
policyd_guard_refresh = 1s

milter_socket = unix:$STACK/run/milter.sock
milter_user = $STACK_USER
milter_socket_group = postfix
milter_template_directory = $STACK/templates
milter_dkim_key_table = $STACK_KEYTABLE
milter_ad_footer_template = $STACK/templates/footer.txt
milter_unsubscribe_url = https://$STACK_DOMAIN/unsubscribe/\$\${token}
milter_feedback_id = \$\${campaign}:\$\${sender_domain}:postbulk

submit_server = 127.0.0.1:$STACK_LISTEN_PORT
submit_state_directory = $STACK/state
submit_connections = 4
submit_retry_limit = 1000
submit_retry_delay = 1s
submit_retry_max_delay = 3s
submit_reconnect_timeout = 60s
submit_timeout = 30s

conf_listener = 127.0.0.1:$STACK_LISTEN_PORT
conf_relay_nexthop = [127.0.0.1]:$LAB_MX_PORT
conf_bounce_command = $STACK_BIN_BOUNCE
conf_bounce_user = $STACK_USER
${STACK_EXTRA_CF:-}
EOF
}

# stack_start_policyd / stack_start_milter / stack_start_follower: start
# one daemon (again); its log goes to $LAB/log/NAME.log.
stack_start_policyd() {
    rm -f "$STACK/run/policy.sock"
    lab_bg "$STACK_BIN_POLICYD" -d -c "$STACK_CF" >>"$LAB/log/policyd.log" 2>&1
    STACK_PID_policyd=$LAB_BG_PID
    lab_wait_for 15 test -S "$STACK/run/policy.sock" ||
        { _stack_err "policyd did not create its socket; $LAB/log/policyd.log:"; tail -5 "$LAB/log/policyd.log" >&2; return 1; }
}

stack_start_milter() {
    rm -f "$STACK/run/milter.sock"
    lab_bg "$STACK_BIN_MILTER" -d -c "$STACK_CF" >>"$LAB/log/milter.log" 2>&1
    STACK_PID_milter=$LAB_BG_PID
    lab_wait_for 15 test -S "$STACK/run/milter.sock" ||
        { _stack_err "milter did not create its socket; $LAB/log/milter.log:"; tail -5 "$LAB/log/milter.log" >&2; return 1; }
}

stack_start_follower() {
    # setpriv execs the follower: the PID lab_bg records is the follower's.
    lab_bg setpriv --reuid="$STACK_USER" --regid="$(id -g "$STACK_USER")" --clear-groups -- \
        "$STACK_BIN_BOUNCE" -c "$STACK_CF" --maillog "$LAB_MAILLOG" \
        --state "$STACK/run/follow.state" >>"$LAB/log/follower.log" 2>&1
    STACK_PID_follower=$LAB_BG_PID
    sleep 0.2
    lab_alive "$STACK_PID_follower" ||
        { _stack_err "the outcome follower exited; $LAB/log/follower.log:"; tail -5 "$LAB/log/follower.log" >&2; return 1; }
}

# stack_restart NAME: kill -9 and start again (Restart=always).
stack_restart() {
    local name=$1 pid var=STACK_PID_$1
    pid=${!var}
    case $name in policyd|milter|follower) ;; *) _stack_err "stack_restart: unknown component '$name'"; return 1 ;; esac
    if [ -n "$pid" ] && lab_alive "$pid"; then
        kill -KILL "$pid"
        lab_wait_for 5 _lab_dead "$pid" || { _stack_err "$name (pid $pid) survived SIGKILL"; return 1; }
    fi
    "stack_start_$name"
}

# stack_postfix_stop / stack_postfix_start: Postfix down and up again with
# the applied configuration (lab_start would rewrite main.cf).
stack_postfix_stop() { lab_stop; }

stack_postfix_start() {
    local out
    touch -d '-1 min' "$LAB_ETC/main.cf" "$LAB_ETC/master.cf"
    out=$(script -qec "postfix -c $LAB_ETC start" /dev/null </dev/null 2>&1) ||
        { _stack_err "postfix start failed: ${out//$'\r'/}"; return 1; }
    lab_wait_for 10 test -s "$LAB_SPOOL/pid/master.pid" || { _stack_err "no master.pid"; return 1; }
    LAB_MASTER_PID=$(tr -d ' \n' <"$LAB_SPOOL/pid/master.pid")
    echo "master $LAB_MASTER_PID $(_lab_starttime "$LAB_MASTER_PID")" >>"$LAB/run/pids"
    lab_wait_port "$STACK_LISTEN_PORT" 10 || { _stack_err "listener $STACK_LISTEN_PORT not up"; return 1; }
}

stack_postfix_restart() { stack_postfix_stop && stack_postfix_start; }

# stack_start [DEST [MXCONF]]: everything.
stack_start() {
    local dest=${1:-${STACK_DEST:-}} mxconf=${2:-${STACK_MX_CONF:-}} b out
    for b in "$STACK_BIN_POLICYD" "$STACK_BIN_MILTER" "$STACK_BIN_BOUNCE" "$STACK_BIN_SUBMIT" \
        "$STACK_BIN_CLI" "$STACK_BIN_CONF" "$POSTBULK_TOP/postfix-conf/postbulk-conf-plan"; do
        [ -x "$b" ] || { _stack_err "$b is not built (make build)"; return 1; }
    done
    _lab_init || return 1
    STACK=$LAB/pb
    STACK_CF=$STACK/postbulk.cf
    mkdir -p "$STACK/db" "$STACK/run" "$STACK/templates" "$STACK/state" "$STACK/out"
    chmod 755 "$STACK" "$STACK/templates"
    chown "$STACK_USER" "$STACK/db" "$STACK/run" "$STACK/out"
    if [ -n "$dest" ]; then cp "$dest" "$STACK/destinations.cf"; else stack_default_dest "$STACK/destinations.cf"; fi
    if [ -n "$mxconf" ]; then cp "$mxconf" "$STACK/fakemx.conf"; else stack_default_mx "$STACK/fakemx.conf"; fi
    # Read by the daemons as $STACK_USER (policyd again at SIGHUP).
    chmod 644 "$STACK/destinations.cf" "$STACK/fakemx.conf"
    cp "$STACK_TEMPLATES"/* "$STACK/templates/" || { _stack_err "no templates in $STACK_TEMPLATES"; return 1; }
    _stack_keys || return 1

    lab_fakemx_start "$STACK/fakemx.conf" || { _stack_err "fake MX did not start"; return 1; }
    lab_start || { _stack_err "Postfix did not start"; return 1; }
    chmod 644 "$LAB_MAILLOG" 2>/dev/null
    STACK_LISTEN_PORT=$(lab_free_port) || return 1
    _stack_write_cf

    stack_start_policyd || return 1
    stack_start_milter || return 1
    out=$("$STACK_BIN_CONF" apply -c "$LAB_ETC" --postbulk-config "$STACK_CF" 2>&1) ||
        { _stack_err "postbulk-conf apply failed: $out"; return 1; }
    # Work-around (reported): postbulk-conf does not yet give its listener
    # the error limits postbulk-policyd(8) asks for; without them smtpd
    # sleeps 1 s per deferred RCPT after 10 and hangs up after 20. The hard
    # limit stays finite on purpose: an smtpd session whose milter died
    # answers every later MAIL with 451 (Postfix reconnects milters only
    # per session) and postbulk-submit retries on the same session; after
    # STACK_HARD_ERROR_LIMIT errors smtpd hangs up and submit reconnects.
    postconf -c "$LAB_ETC" -P \
        "127.0.0.1:$STACK_LISTEN_PORT/inet/smtpd_error_sleep_time=0" \
        "127.0.0.1:$STACK_LISTEN_PORT/inet/smtpd_soft_error_limit=100000" \
        "127.0.0.1:$STACK_LISTEN_PORT/inet/smtpd_hard_error_limit=${STACK_HARD_ERROR_LIMIT:-200}" \
        "127.0.0.1:$STACK_LISTEN_PORT/inet/smtpd_junk_command_limit=100000" ||
        { _stack_err "postconf -P on the listener failed"; return 1; }
    lab_reload || return 1
    lab_wait_port "$STACK_LISTEN_PORT" 10 || { _stack_err "postbulk listener 127.0.0.1:$STACK_LISTEN_PORT is not up"; return 1; }
    # The maillog exists now (postlogd); the follower reads it as nobody.
    chmod 644 "$LAB_MAILLOG"
    stack_start_follower || return 1
}

# stack_campaign NAME LIST [submit options]: run a campaign to the end;
# summary line in $STACK/out/NAME.summary, report in $STACK/out/NAME.csv.
stack_campaign() {
    local name=$1 list=$2
    shift 2
    "$STACK_BIN_SUBMIT" campaign --config "$STACK_CF" --name "$name" --from "$STACK_FROM" \
        --template winter-sale --list "$list" --report "$STACK/out/$name.csv" --no-progress "$@" \
        >"$STACK/out/$name.summary" 2>"$STACK/out/$name.err"
}

# stack_field KEY FILE: KEY=value from a summary line.
stack_field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" "$2" | head -1; }

# stack_queued_count CAMPAIGN: records of CAMPAIGN in status 0 (queued,
# outcome unknown) according to "postbulk status"; "?" if unreadable.
stack_queued_count() {
    stack_cli status "$1" 2>/dev/null | awk '$1 == "queued" && $2 == "0" { print $3; f = 1 } END { if (!f) print "?" }'
}

_stack_settled() { _lab_queue_empty && [ "$(stack_queued_count "$1")" = 0 ]; }

# stack_wait_settled CAMPAIGN TIMEOUT: wait (at most TIMEOUT s) until
# Postfix's queue is empty and no record of CAMPAIGN is left in status 0.
# Every 5 s without that it runs "postqueue -f": with the lab's 1-s
# backoff times qmgr may meet a message whose deferral the smtp(8) client
# has not finished yet ("skipped, still being delivered") and put it back
# into incoming/, where only the next new mail would make qmgr look.
stack_wait_settled() {
    local end=$((SECONDS + $2))
    while [ $SECONDS -lt $end ]; do
        lab_wait_for 5 _stack_settled "$1" && return 0
        postqueue -c "$LAB_ETC" -f >/dev/null 2>&1
    done
    return 1
}
