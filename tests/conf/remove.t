#!/bin/bash
# timeout: 60
#
# conf/remove.t - postbulk-conf on a Postfix configuration directory that
# looks like a production one (Debian's stock master.cf, existing
# transport_maps over two lines, milters and relay_domains), no running
# Postfix needed:
#   - apply merges the list parameters instead of replacing them;
#   - a group dropped from the destination table loses its transport and
#     parameters on the next apply;
#   - remove after apply restores both files byte for byte;
#   - remove after an admin's edit keeps the edit and takes out only
#     postbulk's settings; remove -f restores the backups anyway;
#   - errors: no backup to remove, missing main.cf, bad usage.

set -u
top=${POSTBULK_TOP:?run me through tests/run-tests}
PC=$top/postfix-conf/postbulk-conf
T=$(mktemp -d /tmp/postbulk-remove.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }

E=$T/etc
mkdir -p "$E"
cp /etc/postfix/master.cf "$E/master.cf" || { echo "not ok - no /etc/postfix/master.cf"; exit 1; }
cat >"$E/main.cf" <<'EOF'
# a production main.cf
compatibility_level = 3.6
myhostname = mx.shop.example
relay_domains = shop-partner.example
transport_maps = hash:/etc/postfix/transport,
    regexp:/etc/postfix/transport.re
smtpd_milters = inet:127.0.0.1:8891
non_smtpd_milters = inet:127.0.0.1:8891
milter_default_action = accept
EOF
touch -d '-1 min' "$E/main.cf"
cp -p "$E/main.cf" "$T/main.cf.orig"
cp -p "$E/master.cf" "$T/master.cf.orig"

cat >"$T/dest.cf" <<'EOF'
[kakao]
domains = daum.net, hanmail.net, kakao.com
concurrency_limit = 2
[naver]
domains = naver.com
concurrency_limit = 1
EOF
printf 'destination_table = %s\nbounce_domain = bounces.shop.example\nconf_transport_map_type = texthash\n' \
    "$T/dest.cf" >"$T/postbulk.cf"
pc() { "$PC" "$1" -c "$E" --postbulk-config "$T/postbulk.cf" "${@:2}"; }
val() { postconf -c "$E" -h "$1" 2>/dev/null; }

pc apply >"$T/out" 2>&1 || { nok "apply"; sed 's/^/# /' "$T/out"; }
touch -d '-1 min' "$E/main.cf"
[ "$(val transport_maps)" = 'texthash:$config_directory/postbulk_transport, hash:/etc/postfix/transport, regexp:/etc/postfix/transport.re' ] &&
    ok "transport_maps: ours first, the existing maps kept" || nok "transport_maps merged (got: $(val transport_maps))"
[ "$(val relay_domains)" = 'shop-partner.example, bounces.shop.example' ] &&
    ok "relay_domains: existing kept, bounce domain added" || nok "relay_domains merged (got: $(val relay_domains))"
[ "$(val non_smtpd_milters)" = 'inet:127.0.0.1:8891, $postbulk_milter' ] &&
    ok "non_smtpd_milters: existing milter kept, ours added" || nok "non_smtpd_milters merged (got: $(val non_smtpd_milters))"
[ "$(val smtpd_milters)" = 'inet:127.0.0.1:8891' ] &&
    ok "smtpd_milters of the production smtpd untouched" || nok "smtpd_milters untouched"
[ "$(val myhostname)" = mx.shop.example ] && ok "unrelated settings untouched" || nok "unrelated settings untouched"
grep -q '^naver.com	pb_naver:$' "$E/postbulk_transport" && ok "texthash map written (no postmap needed)" ||
    nok "texthash map written"
cp -p "$E/main.cf" "$T/main.cf.applied"

# A group leaves the table: its transport and parameters go.
sed -i '/^\[naver\]/,$d' "$T/dest.cf"
pc apply >"$T/out" 2>&1 || nok "apply without naver"
touch -d '-1 min' "$E/main.cf"
if postconf -c "$E" -M pb_naver/unix 2>/dev/null | grep -q . || grep -q '^pb_naver_' "$E/main.cf" ||
   grep -q 'pb_naver' "$E/postbulk_transport"; then
    nok "a removed group loses its transport, parameters and map entries"
else
    ok "a removed group loses its transport, parameters and map entries"
fi
postconf -c "$E" -M pb_kakao/unix 2>/dev/null | grep -q . && ok "the other group stays" || nok "the other group stays"

# remove right after apply: byte for byte.
pc remove >"$T/out" 2>&1 || nok "remove"
cmp -s "$E/main.cf" "$T/main.cf.orig" && cmp -s "$E/master.cf" "$T/master.cf.orig" &&
    ok "remove after apply restores main.cf and master.cf byte for byte" ||
    { nok "remove after apply restores main.cf and master.cf byte for byte"; diff "$T/main.cf.orig" "$E/main.cf" | sed 's/^/# /'; }
[ ! -e "$E/postbulk_transport" ] && [ ! -e "$E/main.cf.postbulk-backup" ] &&
    ok "remove deletes the map and the backups" || nok "remove deletes the map and the backups"

# An admin edits main.cf after apply: remove keeps the edit.
pc apply >/dev/null 2>&1
postconf -c "$E" -e 'myhostname = mx2.shop.example'
touch -d '-1 min' "$E/main.cf"
pc remove >"$T/out" 2>&1 || nok "remove after an edit"
touch -d '-1 min' "$E/main.cf"
grep -q 'undoing only' "$T/out" && ok "remove after an edit says it undoes only postbulk's settings" ||
    nok "remove after an edit says it undoes only postbulk's settings"
[ "$(val myhostname)" = mx2.shop.example ] && ok "the admin's edit is kept" || nok "the admin's edit is kept"
if grep -q 'postbulk\|pb_' "$E/main.cf" || grep -q '^pb_\|postbulk' "$E/master.cf"; then
    nok "no postbulk setting is left"; grep -n 'postbulk\|pb_' "$E/main.cf" "$E/master.cf" | sed 's/^/# /'
else
    ok "no postbulk setting is left"
fi
[ "$(val milter_default_action)" = accept ] && [ "$(val relay_domains)" = shop-partner.example ] &&
    ok "changed parameters get their old values back" || nok "changed parameters get their old values back"
cmp -s "$E/master.cf" "$T/master.cf.orig" && ok "master.cf is back byte for byte" || nok "master.cf is back byte for byte"

# remove -f restores the backups even after an edit.
cp -p "$E/main.cf" "$T/main.cf.before"
pc apply >/dev/null 2>&1
postconf -c "$E" -e 'myhostname = mx3.shop.example'
pc remove -f >/dev/null 2>&1
cmp -s "$E/main.cf" "$T/main.cf.before" && ok "remove -f restores the backup byte for byte" ||
    nok "remove -f restores the backup byte for byte"

# Errors.
pc remove >"$T/out" 2>&1; rc=$?
[ $rc = 66 ] && grep -q 'no postbulk backup' "$T/out" && ok "remove without apply: exit 66" ||
    nok "remove without apply: exit 66 (got $rc)"
"$PC" check -c "$T/nonexistent" --postbulk-config "$T/postbulk.cf" >"$T/out" 2>&1; rc=$?
[ $rc = 66 ] && grep -q 'main.cf' "$T/out" && ok "missing main.cf: exit 66 naming it" || nok "missing main.cf: exit 66 (got $rc)"
"$PC" frobnicate >/dev/null 2>&1; rc=$?
[ $rc = 64 ] && ok "bad usage: exit 64" || nok "bad usage: exit 64 (got $rc)"
printf 'destination_table = /nonexistent/dest.cf\n' >"$T/bad.cf"
"$PC" check -c "$E" --postbulk-config "$T/bad.cf" >"$T/out" 2>&1; rc=$?
[ $rc = 78 ] && grep -q '/nonexistent/dest.cf' "$T/out" && ok "unreadable destination table: exit 78 naming it" ||
    nok "unreadable destination table: exit 78 naming it (got $rc: $(cat "$T/out"))"
cmp -s "$E/main.cf" "$T/main.cf.before" && ok "failed runs changed nothing" || nok "failed runs changed nothing"
exit $fail
