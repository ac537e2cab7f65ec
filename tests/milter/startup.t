#!/bin/bash
# timeout: 30
# startup.t - postbulk-milter -t: a good configuration passes; an unreadable
# or malformed DKIM key, a bad key table line, a missing token key and a bad
# milter_missing_variable each stop it with exit 78 and a message naming the
# file or parameter.
set -u
M=$POSTBULK_TOP/milter/postbulk-milter
W=$(mktemp -d /tmp/mlt-startup.XXXXXX)
trap 'rm -rf "$W"' EXIT
openssl genrsa -out "$W/rsa.pem" 2048 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$W/ed.pem" 2>/dev/null
openssl genrsa -out "$W/short.pem" 512 2>/dev/null
head -c 32 /dev/urandom > "$W/token.key"; chmod 600 "$W/token.key"
echo "not a key" > "$W/bad.pem"
mkdir "$W/templates"
conf() {
    cat > "$W/pb.cf" <<CF
db_directory = $W/db
token_key_file = $W/token.key
milter_template_directory = $W/templates
milter_dkim_key_table = $W/keys
$*
CF
}
expect() {  # what status regex
    local what=$1 want=$2 re=$3 out rc
    out=$("$M" -t -c "$W/pb.cf" 2>&1); rc=$?
    if [ "$rc" = "$want" ] && grep -qE -- "$re" <<<"$out"; then
        echo "ok - $what"
    else
        echo "not ok - $what (exit $rc: $out)"
    fi
}
printf 'shop.co.kr s1 %s\nshop.co.kr e1 %s\n' "$W/rsa.pem" "$W/ed.pem" > "$W/keys"
conf; expect "good configuration, rsa + ed25519 keys" 0 "configuration ok, 2 DKIM key"
printf 'shop.co.kr s1 %s\n' "$W/nosuch.pem" > "$W/keys"
conf; expect "unreadable key file named" 78 "nosuch.pem.*No such file"
printf 'shop.co.kr s1 %s\n' "$W/bad.pem" > "$W/keys"
conf; expect "malformed key file named" 78 "bad.pem: not a PEM private key"
printf 'shop.co.kr s1 %s\n' "$W/short.pem" > "$W/keys"
conf; expect "short RSA key refused" 78 "short.pem: RSA key of 512 bits"
printf 'shop.co.kr s1\n' > "$W/keys"
conf; expect "bad key table line named" 78 "keys, line 1"
printf 'shop.co.kr s1 %s\n' "$W/rsa.pem" > "$W/keys"
conf "milter_missing_variable = maybe"; expect "bad milter_missing_variable" 78 "milter_missing_variable"
conf "milter_unsubscribe_url = http://x/"; expect "non-https unsubscribe URL refused" 78 "https"
conf "milter_dkim_engine = gnutls"; expect "unknown DKIM engine refused" 78 "openssl or libopendkim"
conf "milter_dkim_engine = libopendkim"; expect "libopendkim engine accepted" 0 "configuration ok"
conf "milter_no_such = 1"; expect "unknown milter_ parameter refused" 78 "milter_no_such"
rm -f "$W/token.key"
conf; expect "missing token key named" 78 "token.key"
