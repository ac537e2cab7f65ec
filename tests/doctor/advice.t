#!/bin/bash
# timeout: 60
#
# doctor/advice.t - the records postbulk doctor asks to publish are the
# right ones: start from a zone with nothing but the host's address,
# publish exactly the "publish:" lines the doctor prints (fresh keys from
# opendkim-genkey and openssl), and the second run passes every check.
# Also: the DKIM selectors and keys default to milter_dkim_key_table and
# bounce_domain from the postbulk configuration, and a DKIM record is split
# into strings of at most 255 bytes.

set -u
top=${POSTBULK_TOP:?run me through tests/run-tests}
doctor=$top/postfix-conf/postbulk-doctor
[ -x "$doctor" ] || { echo "not ok - $doctor is not built"; exit 1; }
T=$(mktemp -d /tmp/postbulk-doctor.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fail=1; }

opendkim-genkey -b 2048 -d shop.co.kr -s pb2026 -D "$T" || { nok "opendkim-genkey"; exit 1; }
openssl genpkey -algorithm ed25519 -out "$T/ed.private" 2>/dev/null || { nok "openssl genpkey ed25519"; exit 1; }
{
    echo "# DOMAIN SELECTOR KEYFILE (milter_dkim_key_table)"
    echo "shop.co.kr pb2026 $T/pb2026.private"
    echo "shop.co.kr ed2026 $T/ed.private"
    echo "other.example s1 /nonexistent"
} >"$T/keys"
{
    echo "bounce_domain = bounces.shop.co.kr"
    echo "milter_dkim_key_table = $T/keys"
} >"$T/postbulk.cf"
{
    echo '$ORIGIN shop.co.kr.'
    echo 'mail IN A 203.0.113.7'
} >"$T/zone"

run() { "$doctor" -c "$T/postbulk.cf" shop.co.kr --ip 203.0.113.7 --zone "$T/zone" >"$T/out" 2>&1; }

run; rc=$?
[ $rc = 1 ] && ok "empty zone: exit 1" || nok "empty zone: exit 1 (got $rc)"
for c in spf dkim dmarc ptr mx; do
    grep -q "^FAIL  $c " "$T/out" && ok "empty zone: $c fails" || nok "empty zone: $c fails"
done
grep -q '^FAIL  dkim   pb2026._domainkey.shop.co.kr' "$T/out" &&
grep -q '^FAIL  dkim   ed2026._domainkey.shop.co.kr' "$T/out" &&
    ok "selectors come from milter_dkim_key_table" || nok "selectors come from milter_dkim_key_table"
grep -q 'bounce domain bounces.shop.co.kr' "$T/out" &&
    ok "bounce domain comes from bounce_domain" || nok "bounce domain comes from bounce_domain"

# Every TXT string of the advice is at most 255 bytes (one DNS character-string).
long=$(sed -n 's/^ *publish: //p' "$T/out" | grep -o '"[^"]*"' | awk 'length($0) > 257' | wc -l)
[ "$long" = 0 ] && ok "TXT strings in the advice are <= 255 bytes" ||
    nok "TXT strings in the advice are <= 255 bytes ($long longer)"
# The advised rsa key is the one openssl derives from the private key.
want=$(openssl pkey -in "$T/pb2026.private" -pubout -outform DER 2>/dev/null | base64 -w0)
got=$(grep 'publish: pb2026._domainkey' "$T/out" | grep -o '"[^"]*"' | tr -d '"\n' | sed 's/.*p=//')
[ -n "$want" ] && [ "$got" = "$want" ] && ok "advised DKIM p= is the public key of the private key" ||
    nok "advised DKIM p= is the public key of the private key"

# Publish the advice.
sed -n 's/^ *publish: //p' "$T/out" >>"$T/zone"
echo "# advice published:"
sed 's/^/#   /' "$T/zone" | cut -c1-150
run; rc=$?
sed 's/^/# /' "$T/out" | cut -c1-160
[ $rc = 0 ] && ok "after publishing the advice: exit 0" || nok "after publishing the advice: exit 0 (got $rc)"
[ "$(grep -c '^PASS' "$T/out")" -ge 7 ] && ! grep -q '^FAIL' "$T/out" &&
    ok "after publishing the advice: every check passes" || nok "after publishing the advice: every check passes"

# An SPF record without our IP: the advice replaces it, and then passes.
sed -i 's/^shop.co.kr. IN TXT "v=spf1 .*/shop.co.kr. IN TXT "v=spf1 mx include:_spf.example.net ~all"/' "$T/zone"
echo '_spf.example.net. IN TXT "v=spf1 ip4:198.51.100.0/24 -all"' >>"$T/zone"
run; rc=$?
new=$(sed -n 's/^ *publish instead: //p' "$T/out")
[ $rc = 1 ] && [ -n "$new" ] && ok "SPF without our IP: advice to replace the record" ||
    nok "SPF without our IP: advice to replace the record"
grep -v '^shop.co.kr. IN TXT "v=spf1' "$T/zone" >"$T/zone.new"
echo "$new" >>"$T/zone.new"
mv "$T/zone.new" "$T/zone"
run; rc=$?
[ $rc = 0 ] && ok "after replacing the SPF record: exit 0" ||
    { nok "after replacing the SPF record: exit 0"; sed 's/^/# /' "$T/out"; }
grep -q 'v=spf1 ip4:203.0.113.7 mx include:_spf.example.net ~all' "$T/out" &&
    ok "the replacement keeps the old mechanisms" || nok "the replacement keeps the old mechanisms"

# The same through the postbulk CLI, when "doctor" is registered there.
if [ -x "$top/db/postbulk" ] && "$top/db/postbulk" -c "$T/postbulk.cf" doctor shop.co.kr \
	--ip 203.0.113.7 --zone "$T/zone" >"$T/out2" 2>&1; then
    cmp -s "$T/out" "$T/out2" && ok "postbulk doctor = postbulk-doctor" || nok "postbulk doctor = postbulk-doctor"
else
    echo "# postbulk CLI has no doctor command (yet): only postbulk-doctor checked"
fi
exit $fail
