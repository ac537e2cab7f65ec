# pollib.sh - helpers for the policyd tests (source it; bash).
#
#   pol_init [DIR]        fresh test directory (default mktemp): db, token key,
#                         postbulk.cf, destinations.cf; sets POL_DIR POL_CF POL_SOCK
#                         POL_TABLE POL_DB POL_KEY POL_LOG POL_CLOCK (fake time file)
#   pol_cf 'k = v' ...    append to postbulk.cf
#   pol_start             start postbulk-policyd -d (as nobody when root), wait for
#                         the socket; POL_PID. Stopped by pol_cleanup (trap).
#   pol_stop              SIGTERM, wait (bounded); returns the exit status
#   pol_ask REQ...        polclient.py over the unix socket
#   pol_time EPOCH        set the fake clock (takes effect at the next tick)
#   pol_db CMD ARGS...    pol_dbtool on the test db
#   POL_TRAP=0            do not install the EXIT trap (lab tests use lab_on_exit)
top=${POSTBULK_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
POL_BIN=$top/policyd/postbulk-policyd
POL_TOOL=$top/policyd/pol_dbtool
POL_CLIENT=$top/tests/policyd/polclient.py
POL_PID=
POL_OWN_DIR=
export TZ=UTC

pol_cleanup() {
    if [ -n "$POL_PID" ] && kill -0 "$POL_PID" 2>/dev/null; then
        kill -TERM "$POL_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$POL_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$POL_PID" 2>/dev/null
    fi
    POL_PID=
    [ -n "$POL_OWN_DIR" ] && [ -z "${POL_KEEP:-}" ] && rm -rf "$POL_OWN_DIR"
    POL_OWN_DIR=
}

pol_init() {
    if [ -n "${1:-}" ]; then POL_DIR=$1; mkdir -p "$POL_DIR"
    else POL_DIR=$(mktemp -d /tmp/postbulk-pol.XXXXXX); POL_OWN_DIR=$POL_DIR
         [ "${POL_TRAP:-1}" = 1 ] && trap pol_cleanup EXIT INT TERM
    fi
    chmod 755 "$POL_DIR"
    POL_DB=$POL_DIR/db; mkdir -p "$POL_DB"
    POL_KEY=$POL_DIR/token.key
    head -c 48 /dev/urandom >"$POL_KEY"; chmod 600 "$POL_KEY"
    POL_SOCK=$POL_DIR/policy.sock
    POL_CF=$POL_DIR/postbulk.cf
    POL_TABLE=$POL_DIR/destinations.cf
    POL_LOG=$POL_DIR/policyd.log
    POL_CLOCK=$POL_DIR/clock
    date +%s >"$POL_CLOCK"
    POL_USER_OPT=()
    [ "$(id -u)" = 0 ] && chown nobody "$POL_DB"
    if [ "$(id -u)" = 0 ]; then POL_USER_OPT=(-u nobody); fi
    cat >"$POL_CF" <<CF
db_directory = $POL_DB
token_key_file = $POL_KEY
destination_table = $POL_TABLE
bounce_domain = bounces.lab.test
policyd_listen = unix:$POL_SOCK
policyd_time_base = 10s
policyd_persist_interval = 1s
policyd_guard_refresh = 1s
CF
    printf '[default]\n' >"$POL_TABLE"
    export POSTBULK_CONFIG=$POL_CF
}

pol_cf() { for l in "$@"; do echo "$l" >>"$POL_CF"; done; }

pol_fix_owner() {
    [ "$(id -u)" = 0 ] && chown -R nobody "$POL_DB"
    return 0
}

pol_start() {
    local before
    pol_fix_owner
    before=$(grep -c 'started:' "$POL_LOG" 2>/dev/null)
    POSTBULK_FAKE_TIME=${POL_FAKE-$POL_CLOCK} "$POL_BIN" -c "$POL_CF" -d "${POL_USER_OPT[@]}" \
        "$@" >>"$POL_LOG" 2>&1 &
    POL_PID=$!
    for _ in $(seq 1 100); do
        [ -S "$POL_SOCK" ] && [ "$(grep -c 'started:' "$POL_LOG")" -gt "${before:-0}" ] && return 0
        kill -0 "$POL_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "# policyd did not start:"; sed 's/^/# /' "$POL_LOG" | tail -5
    return 1
}

pol_stop() {
    local rc=0
    [ -n "$POL_PID" ] || return 0
    kill -TERM "$POL_PID" 2>/dev/null
    wait "$POL_PID"; rc=$?
    POL_PID=
    return $rc
}

pol_ask() { "$POL_CLIENT" "$POL_SOCK" "$@"; }
pol_time() { echo "$1" >"$POL_CLOCK"; }
pol_db() {
    if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$POL_TOOL" "$POL_DB" "$@"
    else "$POL_TOOL" "$POL_DB" "$@"; fi
}

# check NAME CONDITION-CMD...: print ok/not ok
check() { local what=$1; shift; if "$@"; then echo "ok - $what"; else echo "not ok - $what"; fi; }
# expect NAME PATTERN TEXT: TEXT matches the extended regex PATTERN
expect() {
    if [[ "$3" =~ $2 ]]; then echo "ok - $1"
    else echo "not ok - $1"; echo "#   got: $3" | head -5; echo "#  want: $2"; fi
}
# mx_ge DOMAIN N: the fake MX holds at least N messages for DOMAIN ("" = all)
mx_ge() { [ "$(lab_mx_count "$1")" -ge "$2" ]; }
