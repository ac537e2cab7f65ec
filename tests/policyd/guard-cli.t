#!/bin/bash
# guard-cli.t - "postbulk guard show|reset DOMAIN" (db/cli_guard.c) lifts
# the reputation guard of a running postbulk-policyd: a sender domain over
# the hard-bounce threshold is deferred, "postbulk guard reset" resets it,
# the daemon accepts its mail again within policyd_guard_refresh.
# timeout: 60
. "$(dirname "$0")/pollib.sh"
cli=$top/db/postbulk
[ -x "$cli" ] || { echo "postbulk CLI not built"; exit 77; }
pol_init
mkdir -p "$POL_DIR/probe"
"$cli" -d "$POL_DIR/probe" guard show probe.test 2>&1 | grep -q "^domain probe.test" ||
    { echo "postbulk CLI has no guard command linked (db/cli_guard.o)"; exit 77; }
rm -f "$POL_CLOCK"
POL_FAKE=
day=$(date +%F)
pol_db counter-put sent/shop.test/$day 400
pol_db counter-put invalid/shop.test/$day 40
pol_start || exit 1
expect "invalid-address rate 10% deferred" "sender domain shop.test: invalid-address rate 10.00% \(40/400\)" \
    "$(pol_ask RCPT:news@shop.test:a@gmail.com)"
run_cli() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$cli" -c "$POL_CF" "$@"; else "$cli" -c "$POL_CF" "$@"; fi; }
out=$(run_cli guard show SHOP.TEST 2>&1)
expect "guard show prints the counters and rate" "invalid    40 .*invalid rate 10.00% of 400" "$(tr '\n' ' ' <<<"$out")"
out=$(run_cli guard reset shop.test 2>&1; echo "rc=$?")
expect "guard reset" "guard reset: shop.test for $day .*rc=0" "$(tr '\n' ' ' <<<"$out")"
sleep 1.3
expect "daemon lifts the guard after the reset" "^action=DUNNO$" "$(pol_ask RCPT:news@shop.test:b@gmail.com)"
out=$(run_cli guard show shop.test 2>&1)
expect "after reset the rates start over" "invalid rate 0.00% of [0-9]+" "$(tr '\n' ' ' <<<"$out")"
out=$(run_cli guard reset 'bad domain!' 2>&1; echo "rc=$?")
expect "bad domain refused" "bad domain.*rc=65" "$(tr '\n' ' ' <<<"$out")"
pol_stop
