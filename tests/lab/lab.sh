# lab.sh - private Postfix test lab for postbulk tests (a bash library)
#
# SYNOPSIS
#	. "$POSTBULK_TOP/tests/lab/lab.sh"	# installs the EXIT/INT/TERM trap
#	lab_fakemx_start [CONFIG]
#	lab_start
#	lab_send -t rcpt@naver.com ...
#	lab_wait_queue_empty 20 && lab_mx_count naver.com
#
# DESCRIPTION
#	Each lab lives in a fresh "mktemp -d" directory $LAB with its own free
#	ports, so any number of labs (other engineers' tests) run side by side.
#	Nothing is keyed on a fixed name. Requires root (Postfix), and runs the
#	python helpers with /usr/bin/python3 (Debian's python3-aiosmtpd).
#
#	Sourcing this file installs a trap on EXIT, INT and TERM that calls
#	lab_cleanup, so the lab is stopped however the test ends. Do not replace
#	that trap: register extra clean-up with lab_on_exit. A trap set before
#	sourcing is kept and run after lab_cleanup. In addition the first lab
#	function (the one that makes $LAB) starts a watchdog that stops the lab
#	if the test process dies by SIGKILL, even in the middle of lab_cleanup.
#
# VARIABLES (set by the functions below)
#	LAB		the lab directory (etc/ spool/ data/ log/ run/ mx/)
#	LAB_ETC		Postfix config directory (postfix -c $LAB_ETC ...)
#	LAB_SPOOL	queue_directory
#	LAB_MAILLOG	Postfix log file (maillog_file)
#	LAB_SMTP_PORT	plain smtpd listener on 127.0.0.1
#	LAB_MASTER_PID	PID of the Postfix master
#	LAB_MX_PORT, LAB_MX_DIR, LAB_MX_PID	the fake MX (see fakemx.py)
#	LAB_BG_PID	PID of the last lab_bg process
#	LAB_KEEP=1	(set by the caller) keep $LAB after clean-up
#	LAB_MAILLOG_TAIL=N	maillog lines shown when a test fails (30)
#	LAB_TMPDIR	(set by the caller) where $LAB is made; default /dev/shm
#			(tmpfs) if usable, else /tmp
#	LAB_TOOLS	the directory of lab.sh, fakemx.py and labsend.py
#
# FUNCTIONS
#	lab_fakemx_start [CONFIG]
#		Start the fake portal MX (fakemx.py) on a free 127.0.0.1 port with
#		the INI file CONFIG (see README); sets LAB_MX_PORT, LAB_MX_DIR,
#		LAB_MX_PID. When Postfix already runs, its relayhost is moved to it.
#	lab_fakemx_stop
#		Stop the fake MX (stats.json and messages stay in LAB_MX_DIR).
#	lab_fakemx_restart [CONFIG]
#		Stop and start it again on the same port and directory (new config).
#	lab_start
#		Write main.cf/master.cf and start a private Postfix. Sets LAB,
#		LAB_ETC, LAB_SPOOL, LAB_MAILLOG, LAB_SMTP_PORT, LAB_MASTER_PID.
#		On failure prints the tail of the maillog and returns 1.
#	lab_stop
#		Stop Postfix only: SIGTERM to master as "postfix stop" does, but
#		polled every 0.05 s; "postfix stop" if master is still alive after
#		1 s, then SIGTERM/SIGKILL to master and its children.
#	lab_postconf 'name = value' ...	postconf -c $LAB_ETC -e, main.cf backdated
#	lab_postconf_M 'svc/type=...' ...	postconf -c $LAB_ETC -M, backdated
#	lab_reload	postfix reload; returns when master has logged the reload
#	lab_bg CMD ...	start CMD in the background, remember its PID (LAB_BG_PID);
#			it and its descendants are stopped at clean-up
#	lab_on_exit CMD	run CMD (eval) at clean-up, before the lab is stopped;
#			the last registered runs first
#	lab_wait_for TIMEOUT CMD ...
#		Run CMD every 0.05 s until it succeeds (0) or TIMEOUT seconds
#		passed (1).
#	lab_wait_port PORT TIMEOUT	wait until something listens on 127.0.0.1:PORT
#	lab_wait_queue_empty TIMEOUT
#		Wait until incoming, active, deferred, hold and maildrop are empty.
#	lab_wait_maillog REGEX COUNT TIMEOUT
#		Wait until the maillog has at least COUNT lines matching REGEX
#		(grep -E).
#	lab_maillog_count REGEX		number of maillog lines matching REGEX
#	lab_transport DOMAIN NAME [param=value ...]
#		Route DOMAIN through an own smtp transport NAME to the fake MX,
#		with NAME_param = value in main.cf (e.g.
#		destination_concurrency_limit=2). Then lab_reload.
#	lab_send [-p PORT] [labsend.py options]
#		Send messages over SMTP, by default to $LAB_SMTP_PORT. Options:
#		-f FROM -t RCPT (repeat) -s SUBJECT -H 'Name: value' (repeat)
#		-b BODY | -m FILE, -n COUNT, -c SESSIONS. Prints "sent N" or
#		"refused N RCPT CODE TEXT" / "failed ..." lines. Exit 0 all
#		accepted, 1 some recipients refused, 2 message refused or error.
#	lab_mx_count [DOMAIN | group:NAME]
#		Messages accepted by the fake MX (for DOMAIN: with a recipient
#		in DOMAIN; for group:NAME: in a domain of that group).
#	lab_wait_mx COUNT TIMEOUT [DOMAIN | group:NAME]
#		Wait until the fake MX has accepted at least COUNT messages
#		(for DOMAIN / the group).
#	lab_mx_stat DOMAIN KEY	one per-domain statistic (e.g. sessions_max);
#			DOMAIN may be group:NAME, or "-" for a global one
#			(e.g. connections_max)
#	lab_mx_stats	print the fake MX statistics (stats.json)
#	lab_mx_messages [DOMAIN]	print the index lines (JSON) of received messages
#	lab_free_port	print a free 127.0.0.1 port (tried by binding)
#	lab_alive PID	true if PID exists and is not a zombie
#	lab_cleanup	stop everything by PID: lab_on_exit commands, Postfix,
#			then lab_bg processes and the fake MX; remove $LAB unless
#			LAB_KEEP=1. Idempotent; called by the trap.
#
# DIAGNOSTICS
#	Functions print "lab: ..." on stderr and return non-zero on failure.
#	When the test exits non-zero, lab_cleanup prints the last maillog lines.

[ -n "${_LAB_SH_LOADED:-}" ] && return 0
_LAB_SH_LOADED=1

LAB_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_PY=/usr/bin/python3
LAB=			# never taken from the environment: clean-up removes it
LAB_ETC='' LAB_SPOOL='' LAB_MAILLOG='' LAB_SMTP_PORT='' LAB_MASTER_PID=''
LAB_MX_PORT='' LAB_MX_DIR='' LAB_MX_PID='' LAB_MX_CONFIG='' LAB_BG_PID=
_LAB_BG=()		# "pid:starttime" of lab_bg processes
_LAB_ON_EXIT=()
_LAB_CLEANED=0
_LAB_WATCHDOG=
_LAB_OWNER=$BASHPID	# only this shell cleans up (not subshells)

_lab_err() { echo "lab: $*" >&2; }

# ---------------------------------------------------------------- processes

# lab_alive PID: exists and is not a zombie. PID 1 of the container reaps
# orphans lazily (about 2 s), so "kill -0" alone says a dead process lives.
lab_alive() {
    local -; set +e	# callers may run under set -e
    local st
    # The comm field may hold spaces; read the state after the last ')'.
    st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

_lab_dead() { ! lab_alive "$1"; }

# Start time of PID in clock ticks: with the PID it identifies a process
# even after the PID was reused.
_lab_starttime() {
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

# PID and all its descendants, parents first.
_lab_tree() {
    local -; set +e	# callers may run under set -e
    local pid=$1 kids k
    echo "$pid"
    kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null)
    for k in $kids; do _lab_tree "$k"; done
}

# _lab_kill_wait TIMEOUT PID...: SIGTERM, wait (zombies count as dead),
# SIGKILL what is left after TIMEOUT seconds.
_lab_kill_wait() {
    local -; set +e	# callers may run under set -e
    local timeout=$1 p i left
    shift
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null
    for ((i = 0; i < timeout * 20; i++)); do
        left=0
        for p in "$@"; do lab_alive "$p" && left=1 && break; done
        [ $left = 0 ] && return 0
        sleep 0.05
    done
    for p in "$@"; do
        lab_alive "$p" && { _lab_err "pid $p ignored SIGTERM for ${timeout}s, SIGKILL"; kill -KILL "$p" 2>/dev/null; }
    done
    for ((i = 0; i < 40; i++)); do
        left=0
        for p in "$@"; do lab_alive "$p" && left=1 && break; done
        [ $left = 0 ] && return 0
        sleep 0.05
    done
    return 1
}

# ---------------------------------------------------------------- set-up

_lab_init() {
    local -; set +e	# callers may run under set -e
    [ -n "$LAB" ] && [ -d "$LAB" ] && return 0
    if [ "$(id -u)" != 0 ]; then _lab_err "must run as root (private Postfix)"; return 1; fi
    # tmpfs by default: creating a file on this machine's /tmp (ext4) costs
    # ~0.8 ms of system time, on /dev/shm ~13 us; the queue and the fake MX
    # create several files per message. LAB_TMPDIR=/tmp for a disk queue.
    local base=${LAB_TMPDIR:-}
    if [ -z "$base" ]; then
        base=/tmp
        [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && base=/dev/shm
    fi
    LAB=$(mktemp -d "$base/postbulk-lab.XXXXXX") || { _lab_err "mktemp in $base failed"; return 1; }
    chmod 755 "$LAB"	# pipe(8) children run as nobody and need o+x
    mkdir -p "$LAB/etc" "$LAB/spool" "$LAB/log" "$LAB/run"
    LAB_ETC=$LAB/etc LAB_SPOOL=$LAB/spool LAB_MAILLOG=$LAB/log/maillog
    : >"$LAB/run/pids"
    _lab_watchdog
}

# lab_free_port: random port in 20000-32767 (below the ephemeral range, so
# outgoing connections never take it), tested by binding it.
lab_free_port() {
    "$LAB_PY" - <<'EOF'
import random, socket, sys
for _ in range(500):
    p = random.randint(20000, 32767)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.stderr.write("lab: no free port in 500 tries\n")
sys.exit(1)
EOF
}

lab_wait_for() {
    local timeout=$1 end i int frac=0
    shift
    # TIMEOUT in seconds, decimals allowed (0.5): to microseconds, no fork.
    int=${timeout%%.*}
    case $timeout in *.*) frac=${timeout#*.}000000; frac=$((10#${frac:0:6})) ;; esac
    case ${int:-0} in *[!0-9]*) _lab_err "lab_wait_for: bad timeout '$timeout'"; return 2 ;; esac
    end=$(( ${EPOCHREALTIME/./} + 10#${int:-0} * 1000000 + frac ))
    # bounded in count too: at most one try per 0.05 s of TIMEOUT, plus 2
    for ((i = 0; i < 10#${int:-0} * 20 + frac / 50000 + 2; i++)); do
        "$@" && return 0
        [ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
        sleep 0.05
    done
    return 1
}

_lab_listening() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
lab_wait_port() { lab_wait_for "$2" _lab_listening "$1"; }

_lab_write_main_cf() {
    local relay=
    [ -n "$LAB_MX_PORT" ] && relay="[127.0.0.1]:$LAB_MX_PORT"
    cat >"$LAB_ETC/main.cf" <<EOF
# Private postbulk test lab: postfix -c $LAB_ETC start (written by tests/lab/lab.sh)
compatibility_level = 3.6
queue_directory = $LAB_SPOOL
data_directory = $LAB/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.lab.test
mydomain = lab.test
myorigin = \$mydomain
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_authorized_verp_clients = \$mynetworks
biff = no
append_dot_mydomain = no
# no syslog here: postlogd (service postlog in master.cf) writes this file
maillog_file = $LAB_MAILLOG
maillog_file_prefixes = $LAB
# offline: everything goes to the fake MX
relayhost = $relay
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_connect_timeout = 5s
# fast retries
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
delay_warning_time = 0
EOF
}

_lab_write_master_cf() {
    cat >"$LAB_ETC/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
# chroot off everywhere; no port 25 listener (labs run side by side)
127.0.0.1:$LAB_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
  -o syslog_name=postfix/\$service_name
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

_lab_backdate() {
    # Postfix waits until main.cf is >1 s old ("cool down", ~2 s per command).
    touch -d '-1 min' "$LAB_ETC"/* 2>/dev/null
}

_lab_maillog_tail() {
    [ -s "$LAB_MAILLOG" ] || { _lab_err "(maillog $LAB_MAILLOG is empty)"; return 0; }
    _lab_err "last lines of $LAB_MAILLOG:"
    tail -n "${1:-20}" "$LAB_MAILLOG" | sed 's/^/lab:   /' >&2
}

# _lab_postfix CMD: run "postfix -c $LAB_ETC CMD"; output (with CRs
# removed) in _LAB_OUT. postfix prints fatal configuration errors only to a
# terminal (or syslog), never to maillog_file: give it a pty with script(1).
_lab_postfix() {
    local rc
    if command -v script >/dev/null 2>&1; then
        _LAB_OUT=$(script -qec "postfix -c $LAB_ETC $1" /dev/null </dev/null 2>&1)
    else
        _LAB_OUT=$(postfix -c "$LAB_ETC" "$1" 2>&1 </dev/null)
    fi
    rc=$?
    _LAB_OUT=${_LAB_OUT//$'\r'/}
    return $rc
}

_lab_master_running() {
    [ -f "$LAB_ETC/main.cf" ] && ! /usr/lib/postfix/sbin/master -c "$LAB_ETC" -t 2>/dev/null
}

lab_start() {
    local -; set +e	# callers may run under set -e
    local try rc out
    _lab_init || return 1
    if [ -n "$LAB_MASTER_PID" ] && lab_alive "$LAB_MASTER_PID"; then
        _lab_err "lab_start: Postfix already runs in $LAB (pid $LAB_MASTER_PID)"
        return 1
    fi
    install -d -o postfix -g postfix -m 700 "$LAB/data"
    for try in 1 2 3; do
        LAB_SMTP_PORT=$(lab_free_port) || return 1
        _lab_write_main_cf
        _lab_write_master_cf
        _lab_backdate
        _lab_postfix start
        rc=$? out=$_LAB_OUT
        if [ $rc = 0 ] && _lab_master_running; then
            break
        fi
        # Another lab may have taken the port between our test and master's bind().
        if [ $try -lt 3 ] && grep -q "bind 127.0.0.1 port $LAB_SMTP_PORT" <<<"$out$(cat "$LAB_MAILLOG" 2>/dev/null)"; then
            _lab_err "port $LAB_SMTP_PORT taken meanwhile, retrying"
            lab_stop
            continue
        fi
        _lab_err "postfix -c $LAB_ETC start failed (exit $rc)"
        [ -n "$out" ] && sed 's/^/lab:   /' <<<"$out" >&2
        _lab_maillog_tail 20
        return 1
    done
    LAB_MASTER_PID=$(tr -d ' \n' <"$LAB_SPOOL/pid/master.pid" 2>/dev/null)
    if [ -z "$LAB_MASTER_PID" ] || ! lab_alive "$LAB_MASTER_PID"; then
        _lab_err "postfix master not running after start"
        _lab_maillog_tail 20
        return 1
    fi
    echo "master $LAB_MASTER_PID $(_lab_starttime "$LAB_MASTER_PID")" >>"$LAB/run/pids"
    if ! lab_wait_port "$LAB_SMTP_PORT" 10; then
        _lab_err "smtpd is not listening on 127.0.0.1:$LAB_SMTP_PORT after 10 s"
        _lab_maillog_tail 20
        return 1
    fi
}

lab_stop() {
    local -; set +e	# callers may run under set -e
    [ -n "$LAB_ETC" ] && [ -f "$LAB_ETC/main.cf" ] || return 0
    local pid=$LAB_MASTER_PID pids=
    # A start that failed half-way may have left a master behind: its PID file.
    if [ -z "$pid" ] && [ -s "$LAB_SPOOL/pid/master.pid" ]; then
        pid=$(tr -d ' \n' <"$LAB_SPOOL/pid/master.pid")
        grep -q master "/proc/$pid/cmdline" 2>/dev/null || pid=
    fi
    if [ -z "$pid" ] || ! lab_alive "$pid"; then
        LAB_MASTER_PID=
        return 0
    fi
    pids=$(_lab_tree "$pid")
    # "postfix stop" is "kill master; sleep 1 until it is gone": the same
    # SIGTERM here, polled every 0.05 s, saves about a second per lab.
    # master's SIGTERM handler stops its children and exits.
    kill -TERM "$pid" 2>/dev/null
    lab_wait_for 1 _lab_dead "$pid" ||
        postfix -c "$LAB_ETC" stop >/dev/null 2>&1 ||
        postfix -c "$LAB_ETC" abort >/dev/null 2>&1
    # what is still alive now (stop timed out, or main.cf was broken by the
    # test): SIGTERM, then SIGKILL
    # shellcheck disable=SC2086
    _lab_kill_wait 5 $pids
    LAB_MASTER_PID=
    return 0
}

lab_postconf() {
    postconf -c "$LAB_ETC" -e "$@" || { _lab_err "postconf -e $* failed"; return 1; }
    _lab_backdate
}

lab_postconf_M() {
    postconf -c "$LAB_ETC" -M "$@" || { _lab_err "postconf -M $* failed"; return 1; }
    _lab_backdate
}

lab_maillog_count() {
    local -; set +e	# callers may run under set -e
    local n
    n=$(grep -cE -- "$1" "$LAB_MAILLOG" 2>/dev/null)
    echo "${n:-0}"
}

_lab_maillog_ge() { [ "$(lab_maillog_count "$1")" -ge "$2" ]; }

lab_reload() {
    local -; set +e	# callers may run under set -e
    local n
    n=$(lab_maillog_count 'postfix/master\[[0-9]+\]: reload')
    _lab_backdate
    if ! _lab_postfix reload; then
        _lab_err "postfix -c $LAB_ETC reload failed"
        [ -n "$_LAB_OUT" ] && sed 's/^/lab:   /' <<<"$_LAB_OUT" >&2
        _lab_maillog_tail 10
        return 1
    fi
    lab_wait_for 5 _lab_maillog_ge 'postfix/master\[[0-9]+\]: reload' $((n + 1)) || {
        _lab_err "no reload line in the maillog after 5 s"; _lab_maillog_tail 10; return 1; }
}

lab_wait_maillog() { lab_wait_for "$3" _lab_maillog_ge "$1" "$2"; }

# lab_transport DOMAIN NAME [param=value ...]: route DOMAIN through its own
# smtp(8) transport NAME to the fake MX, e.g.
#   lab_transport naver.com naver destination_concurrency_limit=2 destination_rate_delay=0s
# sets naver_destination_concurrency_limit = 2 ... in main.cf. The transport
# says "EHLO NAME.out.lab.test". Call lab_reload afterwards (one reload for
# several calls).
lab_transport() {
    local -; set +e	# callers may run under set -e
    local dom=$1 name=$2 kv
    shift 2 || { _lab_err "usage: lab_transport DOMAIN NAME [param=value ...]"; return 1; }
    [ -n "$LAB_MX_PORT" ] || { _lab_err "lab_transport: start the fake MX first"; return 1; }
    case $name in *[!a-z0-9_-]*|"") _lab_err "lab_transport: bad transport name '$name'"; return 1 ;; esac
    if ! postconf -c "$LAB_ETC" -M "$name/unix" 2>/dev/null | grep -q .; then
        lab_postconf_M "$name/unix=$name unix - - n - - smtp -o syslog_name=postfix/$name -o smtp_helo_name=$name.out.lab.test" || return 1
    fi
    echo "$dom $name:[127.0.0.1]:$LAB_MX_PORT" >>"$LAB_ETC/transport"
    lab_postconf "transport_maps = texthash:$LAB_ETC/transport" || return 1
    for kv in "$@"; do
        case $kv in *=*) ;; *) _lab_err "lab_transport: '$kv' is not param=value"; return 1 ;; esac
        lab_postconf "${name}_${kv%%=*} = ${kv#*=}" || return 1
    done
}

_lab_queue_empty() {
    [ -z "$(find "$LAB_SPOOL"/incoming "$LAB_SPOOL"/active "$LAB_SPOOL"/deferred \
        "$LAB_SPOOL"/hold "$LAB_SPOOL"/maildrop -type f -print -quit 2>/dev/null)" ]
}
lab_wait_queue_empty() { lab_wait_for "$1" _lab_queue_empty; }

lab_bg() {
    local -; set +e	# callers may run under set -e
    _lab_init || return 1
    "$@" &
    LAB_BG_PID=$!
    _LAB_BG+=("$LAB_BG_PID:$(_lab_starttime "$LAB_BG_PID")")
    echo "bg $LAB_BG_PID $(_lab_starttime "$LAB_BG_PID")" >>"$LAB/run/pids"
}

lab_on_exit() { _LAB_ON_EXIT+=("$*"); }

# ---------------------------------------------------------------- fake MX

lab_fakemx_start() {
    local -; set +e	# callers may run under set -e
    local config=${1:-} port=${_LAB_MX_FIXED_PORT:-0}
    _lab_init || return 1
    if [ -n "$LAB_MX_PID" ] && lab_alive "$LAB_MX_PID"; then
        _lab_err "lab_fakemx_start: the fake MX already runs (pid $LAB_MX_PID); use lab_fakemx_restart"
        return 1
    fi
    if [ -n "$config" ] && [ ! -r "$config" ]; then
        _lab_err "lab_fakemx_start: cannot read config $config"; return 1
    fi
    LAB_MX_DIR=$LAB/mx LAB_MX_CONFIG=$config
    mkdir -p "$LAB_MX_DIR"
    rm -f "$LAB/run/fakemx.port"
    "$LAB_PY" "$LAB_TOOLS/fakemx.py" --dir "$LAB_MX_DIR" --port "$port" \
        --port-file "$LAB/run/fakemx.port" ${config:+--config "$config"} \
        </dev/null >>"$LAB/log/fakemx.log" 2>&1 &
    LAB_MX_PID=$!
    echo "mx $LAB_MX_PID $(_lab_starttime "$LAB_MX_PID")" >>"$LAB/run/pids"
    if ! lab_wait_for 10 test -s "$LAB/run/fakemx.port" || ! lab_alive "$LAB_MX_PID"; then
        _lab_err "fake MX did not start; $LAB/log/fakemx.log:"
        sed 's/^/lab:   /' "$LAB/log/fakemx.log" >&2
        lab_fakemx_stop
        return 1
    fi
    LAB_MX_PORT=$(cat "$LAB/run/fakemx.port")
    if [ -n "$LAB_MASTER_PID" ] && [ "$port" = 0 ]; then
        lab_postconf "relayhost = [127.0.0.1]:$LAB_MX_PORT" && lab_reload
    fi
}

lab_fakemx_stop() {
    local -; set +e	# callers may run under set -e
    [ -n "$LAB_MX_PID" ] || return 0
    lab_alive "$LAB_MX_PID" && _lab_kill_wait 5 "$LAB_MX_PID"
    LAB_MX_PID=
}

lab_fakemx_restart() {
    local -; set +e	# callers may run under set -e
    local port=$LAB_MX_PORT
    lab_fakemx_stop
    _LAB_MX_FIXED_PORT=$port lab_fakemx_start "${1:-$LAB_MX_CONFIG}"
}

_lab_mx_py() {
    "$LAB_PY" - "$LAB_MX_DIR" "$@" <<'EOF'
import json, sys, time
d, what = sys.argv[1], sys.argv[2]
# Under load fakemx coalesces stats writes (<= 10 ms late): wait until the
# stats cover every message of the index (bounded: 2 s).
for i in range(200):
    try:
        st = json.load(open(d + "/stats.json"))
        with open(d + "/index.jsonl", "rb") as f:
            n = sum(1 for _ in f)
    except (OSError, ValueError) as e:
        if i == 199:
            sys.stderr.write("lab: no fake MX stats in %s: %s\n" % (d, e)); sys.exit(1)
        time.sleep(0.01); continue
    if st["messages"] >= n:
        break
    time.sleep(0.01)
def part(name):       # "naver.com", or "group:kakao" for a destination group
    name = name.lower()
    if name.startswith("group:"):
        return st.get("groups", {}).get(name[6:], {})
    return st["domains"].get(name, {})
if what == "count":
    dom = sys.argv[3] if len(sys.argv) > 3 else ""
    print(part(dom).get("messages", 0) if dom else st["messages"])
elif what == "stat":
    dom, key = sys.argv[3], sys.argv[4]
    src = st if dom == "-" else part(dom)
    v = src.get(key, 0)
    print(json.dumps(v) if isinstance(v, (dict, list)) else v)
elif what == "stats":
    print(json.dumps(st, indent=1, sort_keys=True))
EOF
}

lab_mx_count() { _lab_mx_py count "${1:-}"; }
_lab_mx_ge() { [ "$(_lab_mx_py count "$2")" -ge "$1" ] 2>/dev/null; }
lab_wait_mx() { lab_wait_for "$2" _lab_mx_ge "$1" "${3:-}"; }
lab_mx_stat() { _lab_mx_py stat "$1" "$2"; }
lab_mx_stats() { _lab_mx_py stats; }
lab_mx_messages() {
    if [ -n "${1:-}" ]; then
        grep -F "\"${1,,}\"" "$LAB_MX_DIR/index.jsonl" 2>/dev/null
    else
        cat "$LAB_MX_DIR/index.jsonl" 2>/dev/null
    fi
    return 0
}

# ---------------------------------------------------------------- sending

lab_send() {
    local port=$LAB_SMTP_PORT
    if [ "${1:-}" = -p ]; then port=$2; shift 2; fi
    "$LAB_PY" "$LAB_TOOLS/labsend.py" -p "$port" "$@"
}

# ---------------------------------------------------------------- clean-up

# The watchdog covers SIGKILL of the test, when no trap runs: it polls the
# test's PID and, once it is gone, stops what the lab recorded in run/pids.
# Bounded by LAB_WATCHDOG_MAX seconds (default 3600).
_lab_watchdog() {
    local -; set +e	# callers may run under set -e
    [ -n "$_LAB_WATCHDOG" ] && return 0
    setsid bash -c '
        owner=$1 owner_st=$2 lab=$3 etc=$4 keep=$5 max=$6
        # Fork-free check: /proc/PID/stat field 22 (start time) still the owner.
        same_as() {
            local l want=$2
            read -r l <"/proc/$1/stat" 2>/dev/null || return 1
            l=${l##*) }
            set -- $l
            [ "${20}" = "$want" ] && [ "$1" != Z ]
        }
        for ((i = 0; i < max * 4; i++)); do
            same_as "$owner" "$owner_st" || break
            sleep 0.25
        done
        [ -d "$lab" ] || exit 0
        [ -f "$etc/main.cf" ] && postfix -c "$etc" stop >/dev/null 2>&1
        for sig in TERM KILL; do
            while read -r kind pid t; do
                [ "$kind" = watchdog ] && continue
                same_as "$pid" "$t" && kill -$sig "$pid" 2>/dev/null
            done <"$lab/run/pids"
            [ $sig = TERM ] && sleep 2
        done
        [ "$keep" = 1 ] || rm -rf "$lab"
    ' lab-watchdog "$_LAB_OWNER" "$(_lab_starttime "$_LAB_OWNER")" "$LAB" "$LAB_ETC" \
        "${LAB_KEEP:-0}" "${LAB_WATCHDOG_MAX:-3600}" </dev/null >/dev/null 2>&1 &
    _LAB_WATCHDOG=$!
    echo "watchdog $_LAB_WATCHDOG $(_lab_starttime "$_LAB_WATCHDOG")" >>"$LAB/run/pids"
}

lab_cleanup() {
    local -; set +e	# callers may run under set -e
    local rc=${1:-0} i e pid st pids=()
    [ "$BASHPID" = "$_LAB_OWNER" ] || return 0
    [ "$_LAB_CLEANED" = 1 ] && return 0
    _LAB_CLEANED=1
    for ((i = ${#_LAB_ON_EXIT[@]} - 1; i >= 0; i--)); do
        eval "${_LAB_ON_EXIT[i]}" || _lab_err "on-exit command failed: ${_LAB_ON_EXIT[i]}"
    done
    if [ "$rc" != 0 ] && [ -n "$LAB_MAILLOG" ] && [ -s "$LAB_MAILLOG" ]; then
        _lab_maillog_tail "${LAB_MAILLOG_TAIL:-30}"
    fi
    # Postfix first (fast), so it stops talking to milters/policy servers
    # before they go; then helpers and the fake MX, all in parallel.
    lab_stop
    for e in "${_LAB_BG[@]+"${_LAB_BG[@]}"}"; do
        pid=${e%%:*} st=${e#*:}
        # shellcheck disable=SC2207	# PIDs: one word each
        [ "$(_lab_starttime "$pid")" = "$st" ] && lab_alive "$pid" && pids+=($(_lab_tree "$pid"))
    done
    _LAB_BG=()
    [ -n "$LAB_MX_PID" ] && lab_alive "$LAB_MX_PID" && pids+=("$LAB_MX_PID")
    [ ${#pids[@]} -gt 0 ] && _lab_kill_wait "${LAB_STOP_TIMEOUT:-8}" "${pids[@]}"
    LAB_MX_PID=
    if [ -n "$LAB" ] && [ -d "$LAB" ]; then
        if [ "${LAB_KEEP:-0}" = 1 ]; then
            _lab_err "lab kept in $LAB"
        else
            rm -rf "$LAB"
        fi
    fi
    # Last: if this clean-up is cut short (SIGKILL from a test runner's
    # timeout), the watchdog still finishes the job.
    if [ -n "$_LAB_WATCHDOG" ]; then
        kill -TERM "$_LAB_WATCHDOG" 2>/dev/null
        _LAB_WATCHDOG=
    fi
    return 0
}

# Keep a trap the test set before sourcing us, and run it after ours.
_LAB_PREV_EXIT=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT$/\1/")
# During clean-up a second INT/TERM (timeout(1) signals both the test and
# its process group) must not cut it short: catch them with a no-op from
# here on. Not "trap ''": ignored signals would be inherited by whatever
# the clean-up starts.
_lab_on_exit_trap() {
    local rc=$?
    trap : INT TERM
    set +eu
    lab_cleanup "$rc"
    [ -n "$_LAB_PREV_EXIT" ] && eval "$_LAB_PREV_EXIT"
    exit "$rc"
}
_lab_on_signal() {
    trap : INT TERM
    set +eu
    lab_cleanup "$2"
    exit "$2"
}
trap _lab_on_exit_trap EXIT
trap '_lab_on_signal INT 130' INT
trap '_lab_on_signal TERM 143' TERM
