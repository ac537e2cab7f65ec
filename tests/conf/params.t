#!/bin/bash
# timeout: 30
#
# conf/params.t - documentation and sample stay complete:
#   postfix-conf/postbulk.cf is what conf_sample prints from every
#   program's parameter table (no undocumented parameter), every conf_*
#   parameter is in postbulk-conf(8), the sample and the shipped
#   destination table load, the shipped presets are complete, and the
#   plan for tests/conf/plan-dest.cf equals tests/conf/plan.ref
#   (POSTBULK_UPDATE_REFS=1 rewrites it).

set -u
top=${POSTBULK_TOP:?run me through tests/run-tests}
cd "$top" || exit 1
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }
T=$(mktemp -d /tmp/postbulk-params.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

if postfix-conf/conf_sample >"$T/sample" && diff -u postfix-conf/postbulk.cf "$T/sample" >&2; then
    ok "postfix-conf/postbulk.cf lists every parameter of every program"
else
    nok "postfix-conf/postbulk.cf is out of date: postfix-conf/conf_sample > postfix-conf/postbulk.cf"
fi

missing=
for p in $(sed -n 's/^#\(conf_[a-z_]*\) = .*/\1/p' postfix-conf/postbulk.cf); do
    grep -q "^\.B $p\$\|^\.BR $p " postfix-conf/postbulk-conf.8 || missing="$missing $p"
done
[ -z "$missing" ] && ok "every conf_* parameter is documented in postbulk-conf.8" ||
    nok "not in postbulk-conf.8:$missing"

# The sample parses (cfg), and the shipped destination table (desttab).
{ cat postfix-conf/postbulk.cf; echo "destination_table = $top/postfix-conf/destinations.cf";
  echo "bounce_domain = bounces.example.com"; } >"$T/postbulk.cf"
if postfix-conf/postbulk-conf-plan -c "$T/postbulk.cf" >"$T/plan" 2>"$T/err"; then
    ok "sample postbulk.cf and shipped destinations.cf load"
else
    nok "sample postbulk.cf and shipped destinations.cf load: $(cat "$T/err")"
fi
{ cat postfix-conf/postbulk.cf; echo "destination_table = $top/tests/conf/plan-dest.cf";
  echo "bounce_domain = bounces.example.com"; } >"$T/golden.cf"
postfix-conf/postbulk-conf-plan -c "$T/golden.cf" 2>&1 |
    sed "s|$T/golden.cf|POSTBULK_CF|; s|$top/|TOP/|g" >"$T/plan.out"
[ "${POSTBULK_UPDATE_REFS:-}" = 1 ] && cp "$T/plan.out" tests/conf/plan.ref
if diff -u tests/conf/plan.ref "$T/plan.out" >&2; then
    ok "plan for tests/conf/plan-dest.cf = tests/conf/plan.ref"
else
    nok "plan for tests/conf/plan-dest.cf differs from tests/conf/plan.ref"
fi

# Each preset group gets its transport, limits and domains.
for g in naver kakao nate gmail yahoo outlook; do
    grep -q "^service	pb_$g/unix	pb_$g unix - - n - [0-9]* smtp$" "$T/plan" &&
    grep -q "^param	pb_${g}_destination_concurrency_limit	" "$T/plan" &&
    grep -q "^param	pb_${g}_destination_rate_delay	" "$T/plan" &&
    grep -q "^param	pb_${g}_destination_recipient_limit	" "$T/plan" &&
    grep -q "^option	pb_$g/unix/smtp_connection_reuse_count_limit	" "$T/plan" &&
	ok "preset $g: transport, limits, messages per connection" ||
	nok "preset $g: transport, limits, messages per connection"
done
for d in daum.net hanmail.net kakao.com; do
    grep -q "^map	$d	pb_kakao:$" "$T/plan" && ok "kakao group routes $d" || nok "kakao group routes $d"
done
grep -q "^option	pb_yahoo/unix/smtp_connection_reuse_count_limit	20$" "$T/plan" &&
    ok "yahoo: at most 20 messages per connection" || nok "yahoo: at most 20 messages per connection"

# The documented fragments show what the shipped tables generate.
stale=
while IFS='	' read -r kind key value; do
    case $kind in
    param) grep -qxF "$key = $value" postfix-conf/main.cf.fragment || stale="$stale $key" ;;
    list) grep -q "^$key = .*$(printf '%s' "$value" | sed 's/[$.]/\\&/g')" postfix-conf/main.cf.fragment || stale="$stale $key" ;;
    service) grep -q "^${key%/*} *${key#*/} " postfix-conf/master.cf.fragment || stale="$stale $key" ;;
    option) grep -q "^    -o ${key##*/}=" postfix-conf/master.cf.fragment || stale="$stale $key" ;;
    esac
done <"$T/plan"
[ -z "$stale" ] && ok "main.cf.fragment and master.cf.fragment match the generated settings" ||
    nok "fragments out of date for:$stale"

# MX roll-up (offline, zone file): equal MX sets share a nexthop, others not.
{
    echo 'daum.net. IN MX 10 mx1.hanmail.net.'
    echo 'daum.net. IN MX 20 mx2.hanmail.net.'
    echo 'hanmail.net. IN MX 20 MX2.hanmail.net.'
    echo 'hanmail.net. IN MX 10 mx1.hanmail.net.'
    echo 'kakao.com. IN MX 10 aspmx.kakao.com.'
    echo 'gmail.com. IN MX 5 gmail-smtp-in.l.google.com.'
    echo 'googlemail.com. IN MX 5 gmail-smtp-in.l.google.com.'
} >"$T/mx.zone"
postfix-conf/postbulk-conf-plan -c "$T/postbulk.cf" --mx-rollup --zone "$T/mx.zone" >"$T/rollup" 2>&1
grep -q "^map	daum.net	pb_kakao:daum.net$" "$T/rollup" && grep -q "^map	hanmail.net	pb_kakao:daum.net$" "$T/rollup" &&
grep -q "^map	kakao.com	pb_kakao:kakao.com$" "$T/rollup" &&
    ok "mx roll-up: daum.net and hanmail.net share a nexthop, kakao.com keeps its own" ||
    nok "mx roll-up: daum.net and hanmail.net share a nexthop, kakao.com keeps its own"
grep -q "^option	pb_kakao/unix/smtp_connection_cache_on_demand	no$" "$T/rollup" &&
grep -q "^option	pb_gmail/unix/smtp_connection_cache_on_demand	no$" "$T/rollup" &&
grep -q "^map	googlemail.com	pb_gmail:gmail.com$" "$T/rollup" &&
    ok "mx roll-up: googlemail.com shares gmail's nexthop; every limited group has the connection cache off" ||
    nok "mx roll-up: googlemail.com shares gmail's nexthop; every limited group has the connection cache off"

# Bad input names the file and line.
printf '[kakao]\ndomains = daum.net\nconcurrency_limit = many\n' >"$T/bad-dest.cf"
printf 'destination_table = %s\n' "$T/bad-dest.cf" >"$T/bad.cf"
postfix-conf/postbulk-conf-plan -c "$T/bad.cf" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 78 ] && grep -q "bad-dest.cf, line 3" "$T/err" && ok "bad destination table: exit 78 naming file and line" ||
    nok "bad destination table: exit 78 naming file and line (rc=$rc: $(cat "$T/err"))"
printf 'conf_listner = 127.0.0.1:1\n' >"$T/typo.cf"
postfix-conf/postbulk-conf-plan -c "$T/typo.cf" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 78 ] && grep -q "conf_listner" "$T/err" && ok "unknown conf_ parameter: exit 78 naming it" ||
    nok "unknown conf_ parameter: exit 78 naming it (rc=$rc: $(cat "$T/err"))"
exit $fail
