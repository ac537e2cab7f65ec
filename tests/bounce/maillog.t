#!/bin/bash
# maillog.t - golden test of the Postfix log follower (--maillog --once):
# sent / deferred / bounced / expired lines, a partial last line completed
# later, remembered position, rotation (new inode) and truncation; and the
# lines that prove Postfix committed a message (qmgr "(queue active)",
# cleanup "hold:" / "milter-hold:", any outcome) setting the records'
# committed time (commit.log / commit.ref), which policyd's duplicate
# guard relies on.
# timeout: 60
top=${POSTBULK_TOP:?run through tests/run-tests}
B=$top/bounce-pipe/postbulk-bounce
T=$top/bounce-pipe/bp_test
G=$top/tests/bounce/maillog
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/db"
head -c 48 /dev/urandom >"$tmp/key"; chmod 600 "$tmp/key"
printf 'db_directory = %s\ntoken_key_file = %s\n' "$tmp/db" "$tmp/key" >"$tmp/cf"
ok() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fi; }
follow() { "$B" -c "$tmp/cf" -d --maillog "$tmp/maillog" --state "$tmp/state" --once 2>>"$tmp/log"; }
show() {
    for m in "a a@gmail.com" "b b@naver.com" "c c@kakao.com" "d d@daum.net" "e e@nate.com"; do
        set -- $m
        printf '%s %s\n' "$2" "$("$T" show "$tmp/db" $1 $2 | cut -d' ' -f1-3)"
    done
}
"$T" seed "$tmp/db" a a@gmail.com 4XA1B2C3D4
"$T" seed "$tmp/db" b b@naver.com 4XB2C3D4E5
"$T" seed "$tmp/db" c c@kakao.com 4XC3D4E5F6
"$T" seed "$tmp/db" d d@daum.net 4XD4E5F6A7
"$T" seed "$tmp/db" e e@nate.com 4XE5F6A7B8

cat "$G/part1.log" "$G/part2.partial" >"$tmp/maillog"
follow; rc=$?
ok "first pass exits 0" '[ $rc = 0 ]'
ok "deferred: status stays 0 with the last reason (ratelimited)" \
   '[ "$("$T" show "$tmp/db" b b@naver.com)" = "status=0 reason=ratelimited dsn=4.3.1 attempts=1" ]'
ok "throttling deferral raises the backoff of the recipient domain" \
   '[ "$("$T" backoff "$tmp/db" naver.com)" = "level=1 events=1 reason=ratelimited" ]'
ok "partial last line not applied yet" '! grep -q "outcome=sent, rcpt=<b@naver.com>" "$tmp/log"'
size1=$(wc -c <"$G/part1.log")
ok "state file points after the last complete line" '[ "$(cut -d" " -f2 "$tmp/state")" = "$size1" ]'
follow
ok "second pass with nothing new changes nothing" '[ $(grep -c "outcome=" "$tmp/log") = 4 ]'
cat "$G/part2.rest" >>"$tmp/maillog"
follow
ok "completed line applied once" '[ $(grep -c "outcome=sent, rcpt=<b@naver.com>" "$tmp/log") = 1 ]'
# Rotation: a new file (new inode) is read from its start.
mv "$tmp/maillog" "$tmp/maillog.1"
cp "$G/part3.log" "$tmp/maillog"
follow
ok "rotated log read from the start" 'grep -q "outcome=sent, rcpt=<e@nate.com>" "$tmp/log"'
show >"$tmp/got"
if diff -u "$G/expected.ref" "$tmp/got" >"$tmp/diff"; then
    echo "ok - statuses match expected.ref"
else
    echo "not ok - statuses differ from expected.ref"; sed 's/^/# /' "$tmp/diff"
fi
# Truncation (copytruncate): shorter than the saved offset -> from the start.
: >"$tmp/maillog"
printf '%s\n' 'Nov 23 07:00:00 mta postfix/smtp[300]: 4XQQQQQQQQ: to=<q@gmail.com>, relay=x, dsn=2.0.0, status=sent (250 ok)' >"$tmp/maillog"
"$T" seed "$tmp/db" q q@gmail.com 4XQQQQQQQQ
follow
ok "truncated log read from the start" '[ "$("$T" show "$tmp/db" q q@gmail.com | cut -d" " -f1)" = "status=1" ]'
ok "unknown queue ids are ignored (not ours)" '! grep -q 4XZZZZZZZZ "$tmp/log"'

# Committed: qmgr "(queue active)", cleanup "hold:" / "milter-hold:" and any
# outcome line mark every record of the queue id, once; other lines do not.
for r in "c1 k@gmail.com 4XC1C1C1C1" "c1 l@naver.com 4XC1C1C1C1" "c2 h@daum.net 4XC2C2C2C2" \
         "c3 j@nate.com 4XC3C3C3C3" "c4 n@kakao.com 4XC4C4C4C4" "c5 p@gmail.com 4XC5C5C5C5" \
         "c6 s@gmail.com 4XC6C6C6C6"; do
    set -- $r; "$T" seed "$tmp/db" $1 $2 $3 camp $([ $1 = c2 ] && echo 7)
done
cp "$G/commit.log" "$tmp/maillog"
ok "no record committed before the follower ran" \
   '[ "$("$T" committed "$tmp/db" c1 k@gmail.com)" = "committed=no" ]'
follow; rc=$?
ok "commit pass exits 0" '[ $rc = 0 ]'
while read -r id rcpt; do
    printf '%s %s %s %s\n' "$id" "$rcpt" "$("$T" committed "$tmp/db" "$id" "$rcpt")" \
        "$("$T" show "$tmp/db" "$id" "$rcpt" | cut -d' ' -f1)"
done <<'L' >"$tmp/gotc"
c1 k@gmail.com
c1 l@naver.com
c2 h@daum.net
c3 j@nate.com
c4 n@kakao.com
c5 p@gmail.com
c6 s@gmail.com
L
if diff -u "$G/commit.ref" "$tmp/gotc" >"$tmp/diffc"; then
    echo "ok - committed marks match commit.ref"
else
    echo "not ok - committed marks differ from commit.ref"; sed 's/^/# /' "$tmp/diffc"
fi
ok "queue active logged once per queue id (second line changes nothing)" \
   '[ "$(grep -c "4XC1C1C1C1: outcome=committed, records=2" "$tmp/log")" = 1 ]'
ok "hold lines logged as committed" \
   'grep -q "4XC2C2C2C2: outcome=committed, records=1" "$tmp/log" && grep -q "4XC3C3C3C3: outcome=committed, records=1" "$tmp/log"'
