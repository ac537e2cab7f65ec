#!/bin/bash
# timeout: 120
# lab.t - postbulk-milter through a real private Postfix and the fake MX:
# Korean template merge for several recipients, HTML escaping and |raw,
# header injection through a value, missing variable (reject and empty),
# untrusted mail not merged and stripped, VERP token (token_parse),
# List-Unsubscribe(-Post), Feedback-ID, advertising marks, dual DKIM
# (rsa-sha256 + ed25519-sha256, verified by dkimpy), records in the db,
# scheduled hold + release, multi-recipient, milter down -> tempfail.
set -u
T=$POSTBULK_TOP/tests/milter
. "$T/mlt_setup.sh"
PY=/usr/bin/python3
TOKTEST=$POSTBULK_TOP/milter/mlt_token_test
RECTEST=$POSTBULK_TOP/milter/mlt_record_test
fails=0
ok()  { echo "ok - $*"; }
nok() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

# mx_file RCPT - the message file the fake MX stored for RCPT (last one)
mx_file() {
    $PY - "$LAB_MX_DIR" "$1" <<'P'
import json, sys, os
d, rcpt = sys.argv[1], sys.argv[2].lower()
found = ""
for line in open(os.path.join(d, "index.jsonl")):
    j = json.loads(line)
    if rcpt in [r.lower() for r in j["rcpts"]]:
        found = os.path.join(d, j["file"])
print(found)
P
}
mx_from() {
    $PY -c 'import json,sys,os
d,r=sys.argv[1],sys.argv[2].lower()
f=""
for l in open(os.path.join(d,"index.jsonl")):
    j=json.loads(l)
    if r in [x.lower() for x in j["rcpts"]]: f=j["mail_from"]
print(f)' "$LAB_MX_DIR" "$1"
}
mx_ge() { [ "$(lab_mx_count)" -ge "$1" ]; }
wait_mx() { lab_wait_for 15 mx_ge "$1"; }
has_mx() { local r; for r in "$@"; do [ -n "$(mx_file "$r")" ] || return 1; done; }
hold_nonempty() { [ -n "$(ls "$LAB_SPOOL/hold" 2>/dev/null)" ]; }
records() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$RECTEST" "$MLT_W/db"; }

cat > "$MLT_W/templates/welcome" <<'TPL'
From: "${shop}" <news@shop.co.kr>
Subject: ${name}님, ${month}월 특가 안내
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

안녕하세요 ${name}님,
쿠폰: ${coupon}
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<html><body><p>안녕하세요 ${name}님</p><p>${coupon}</p><p>${banner|raw}</p></body></html>
--b1--
TPL
urlenc() { $PY -c 'import sys,urllib.parse;print(urllib.parse.quote_plus(sys.argv[1]))' "$1"; }

# 1. Korean template, three recipients, one transaction each.
names=("홍길동" "김철수" "이영희")
coupons=("<b>A&B</b>" "SAVE10" "\"quoted\" 'x'")
for i in 0 1 2; do
    v="name=$(urlenc "${names[$i]}")&month=11&coupon=$(urlenc "${coupons[$i]}")&banner=$(urlenc '<img src="x.png">')&shop=$(urlenc '쇼핑몰')"
    lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t "k$i@naver.com" -s ignored \
        -H 'X-Postbulk-Template: welcome' -H "X-Postbulk-Vars: $v" \
        -H 'X-Postbulk-Campaign: nov-sale' >/dev/null \
        || nok "send korean $i"
done
wait_mx 3 || nok "3 merged messages delivered"
html_esc() { $PY -c 'import sys,html;print(html.escape(sys.argv[1]).replace("&#x27;","&#39;"),end="")' "$1"; }
for i in 0 1 2; do
    f=$(mx_file "k$i@naver.com")
    [ -n "$f" ] || { nok "k$i delivered"; continue; }
    check "k$i: Subject decodes to the Korean text" \
        test "$("$T/msgcheck.py" "$f" subject)" = "${names[$i]}님, 11월 특가 안내"
    want=$(printf '안녕하세요 %s님,\n쿠폰: %s' "${names[$i]}" "${coupons[$i]}")
    check "k$i: text part exact" test "$("$T/msgcheck.py" "$f" part text/plain)" = "$want"
    want="<html><body><p>안녕하세요 ${names[$i]}님</p><p>$(html_esc "${coupons[$i]}")</p><p><img src=\"x.png\"></p></body></html>"
    check "k$i: html part exact (escaped value, raw banner)" \
        test "$("$T/msgcheck.py" "$f" part text/html)" = "$want"
    check "k$i: body 7-bit (base64/QP)" \
        grep -qE '^(base64|quoted-printable)$' <("$T/msgcheck.py" "$f" cte text/plain)
    check "k$i: no X-Postbulk-* header" \
        bash -c "! '$T/msgcheck.py' '$f' names | grep -qi '^x-postbulk-'"
    check "k$i: From merged and encoded" \
        grep -q '^=?[Uu][Tt][Ff]-8?[bBqQ]?.*<news@shop.co.kr>$' <("$T/msgcheck.py" "$f" header From)
    lu=$("$T/msgcheck.py" "$f" header List-Unsubscribe)
    check "k$i: List-Unsubscribe mailto + https" \
        grep -qE '^<mailto:unsubscribe\+u\.[a-z0-9]{16}\.[a-z0-9]+@bounces\.shop\.co\.kr>, <https://shop\.co\.kr/u/u\.[a-z0-9]{16}\.[a-z0-9]+>$' <<<"$lu"
    check "k$i: List-Unsubscribe-Post" \
        test "$("$T/msgcheck.py" "$f" header List-Unsubscribe-Post)" = "List-Unsubscribe=One-Click"
    check "k$i: Feedback-ID" \
        test "$("$T/msgcheck.py" "$f" header Feedback-ID)" = "nov-sale:shop.co.kr:postbulk"
    mf=$(mx_from "k$i@naver.com")
    r=$("$TOKTEST" "$MLT_W/token.key" bounce "$mf")
    check "k$i: VERP return path verifies with token_parse ($r)" grep -q '^valid m ' <<<"$r"
    u=$(grep -o 'unsubscribe+[^@]*@bounces.shop.co.kr' <<<"$lu")
    r2=$("$TOKTEST" "$MLT_W/token.key" unsubscribe "$u")
    check "k$i: unsubscribe token verifies, same msgid" \
        test "${r2#valid u }" = "${r#valid m }"
    out=$($PY "$T/dkim_verify.py" "$MLT_W/keytable" "$f")
    check "k$i: rsa-sha256 signature verifies (dkimpy)" grep -q 'a=rsa-sha256 s=s2026 pass' <<<"$out"
    check "k$i: ed25519-sha256 signature verifies (dkimpy)" grep -q 'a=ed25519-sha256 s=e2026 pass' <<<"$out"
    h=$("$T/msgcheck.py" "$f" header DKIM-Signature | head -1 | tr -d ' ')
    check "k$i: From oversigned, List-Unsubscribe(-Post) signed" \
        grep -qiE 'h=from:.*list-unsubscribe:list-unsubscribe-post:.*:from;' <<<"$h"
done

# 2. Header injection through a value; placeholders without a template.
v="name=$(urlenc $'x\r\nBcc: evil@example.com\r\nX-Evil: 1')"
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t inj@naver.com -s 'Hello ${name}' \
    -b 'Dear ${name}' -H "X-Postbulk-Vars: $v" >/dev/null || nok "send injection"
wait_mx 4
f=$(mx_file inj@naver.com)
if [ -n "$f" ]; then
    check "injection: no Bcc/X-Evil header line" \
        bash -c "! '$T/msgcheck.py' '$f' names | grep -qiE '^(bcc|x-evil)$'"
    check "injection: Subject is one line with the text" \
        test "$("$T/msgcheck.py" "$f" subject)" = "Hello x  Bcc: evil@example.com  X-Evil: 1"
    check "injection: only the one recipient got it" test "$(lab_mx_count)" = 4
    check "injection: DKIM still valid" $PY "$T/dkim_verify.py" "$MLT_W/keytable" "$f"
else
    nok "injection message delivered"
fi

# 3. Missing variable, policy reject.
out=$(lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t miss@naver.com -s 'Hi ${nosuch}' -b x)
check "missing variable rejected with 5.6.0 naming it ($out)" \
    grep -qE '550.*5\.6\.0.*nosuch' <<<"$out"

# 4. Untrusted listener: not merged, control headers removed, sender kept.
lab_send -f bulk@shop.co.kr -t untrusted@naver.com -s 'Plain ${name}' -b 'Body ${name}' \
    -H 'X-Postbulk-Template: welcome' -H 'X-Postbulk-Vars: name=zzz' \
    -H 'X-Postbulk-Campaign: evil' >/dev/null || nok "send untrusted"
wait_mx 5
f=$(mx_file untrusted@naver.com)
if [ -n "$f" ]; then
    check "untrusted: not merged" test "$("$T/msgcheck.py" "$f" subject)" = 'Plain ${name}'
    check "untrusted: no X-Postbulk-* header" \
        bash -c "! '$T/msgcheck.py' '$f' names | grep -qi '^x-postbulk-'"
    check "untrusted: envelope sender unchanged" test "$(mx_from untrusted@naver.com)" = bulk@shop.co.kr
    check "untrusted: no List-Unsubscribe" test -z "$("$T/msgcheck.py" "$f" header List-Unsubscribe)"
    check "untrusted: still DKIM-signed and valid" $PY "$T/dkim_verify.py" "$MLT_W/keytable" "$f"
else
    nok "untrusted message delivered"
fi

# 5. Advertising: (광고) prefix and footer in text and HTML.
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t ad@naver.com -s ignored \
    -H 'X-Postbulk-Template: welcome' -H 'X-Postbulk-Advertising: yes' \
    -H "X-Postbulk-Vars: name=A&month=12&coupon=C&banner=B&shop=S&sender_name=$(urlenc '(주)쇼핑')&contact=02-123-4567" \
    >/dev/null || nok "send advertising"
wait_mx 6
f=$(mx_file ad@naver.com)
if [ -n "$f" ]; then
    check "advertising: Subject starts with (광고)" \
        test "$("$T/msgcheck.py" "$f" subject)" = "(광고) A님, 12월 특가 안내"
    txt=$("$T/msgcheck.py" "$f" part text/plain)
    check "advertising: text footer with sender, contact, 수신거부 link" \
        grep -qE '^수신을 원하지 않으시면 수신거부: https://shop\.co\.kr/u/u\.' <<<"$txt"
    check "advertising: text footer sender line" grep -qF '보낸 사람: (주)쇼핑 (02-123-4567)' <<<"$txt"
    check "advertising: html footer before </body>" \
        grep -qE '<div class="postbulk-footer">보낸 사람: \(주\)쇼핑 \(02-123-4567\)<br>.*</div>.*</body>' \
        <("$T/msgcheck.py" "$f" part text/html | tr -d '\n')
    check "advertising: DKIM valid" $PY "$T/dkim_verify.py" "$MLT_W/keytable" "$f"
else
    nok "advertising message delivered"
fi

# 6. Multi-recipient: one token, both delivered, two records.
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t multi1@naver.com -t Multi2@Daum.net \
    -s 'multi' -b 'hello' -H 'X-Postbulk-Campaign: multi' >/dev/null || nok "send multi"
lab_wait_for 15 has_mx multi2@daum.net multi1@naver.com
check "multi: same VERP for both recipients" \
    test "$(mx_from multi1@naver.com)" = "$(mx_from multi2@daum.net)" -a -n "$(mx_from multi1@naver.com)"

# 6b. Campaign from submit's campaign-tagged return path (TOKEN_CAMPAIGN),
# swapped for the per-message VERP address; a forged one is ignored.
ctag=$("$TOKTEST" -m "$MLT_W/token.key" c spring-sale bounce bounces.shop.co.kr)
lab_send -p "$MLT_PORT" -f "$ctag" -t ctok@naver.com -s tok -b tok >/dev/null || nok "send campaign token"
forged=$(sed 's/+c\.[a-z0-9]\{16\}\./+c.aaaaaaaaaaaaaaaa./' <<<"$ctag")
lab_send -p "$MLT_PORT" -f "$forged" -t cforged@naver.com -s tok -b tok >/dev/null || nok "send forged campaign token"
lab_wait_for 15 has_mx ctok@naver.com cforged@naver.com
r=$("$TOKTEST" "$MLT_W/token.key" bounce "$(mx_from ctok@naver.com)")
check "campaign-token sender replaced by a message VERP address ($r)" grep -q '^valid m ' <<<"$r"

# 6c. No Message-ID: one is added; From in a subdomain is signed by the
# parent domain's keys (d=shop.co.kr).
printf 'From: News <news@mail.shop.co.kr>\r\nTo: <nomid@naver.com>\r\nSubject: no id\r\n\r\nhello\r\n' \
    > "$LAB/nomid.eml"
lab_send -p "$MLT_PORT" -f bulk@mail.shop.co.kr -t nomid@naver.com -m "$LAB/nomid.eml" >/dev/null || nok "send without Message-ID"
lab_wait_for 15 has_mx nomid@naver.com
f=$(mx_file nomid@naver.com)
if [ -n "$f" ]; then
    mid=$("$T/msgcheck.py" "$f" header Message-ID)
    check "Message-ID added by the milter, exactly one ($mid)" \
        test "$(grep -cxE '<[a-z0-9]+@mail\.shop\.co\.kr>' <<<"$mid")" = 1 -a "$(wc -l <<<"$mid")" = 1
    check "subdomain From signed with the parent's keys (d=shop.co.kr), valid" \
        bash -c "'$PY' '$T/dkim_verify.py' '$MLT_W/keytable' '$f' && '$T/msgcheck.py' '$f' header DKIM-Signature | grep -q 'd=shop.co.kr'"
else
    nok "message without Message-ID delivered"
fi

# 7. Scheduling: future -> hold (status 7); past -> sent now.
soon=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)
future=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S+00:00)
past=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%S+00:00)
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t sched@naver.com -s later -b later \
    -H "X-Postbulk-Send-At: $soon" -H 'X-Postbulk-Campaign: sched' >/dev/null || nok "send scheduled"
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t cxl1@naver.com -t cxl2@daum.net -s never -b never \
    -H "X-Postbulk-Send-At: $future" -H 'X-Postbulk-Campaign: cxl' >/dev/null || nok "send scheduled (cancel)"
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t past@naver.com -s past -b past \
    -H "X-Postbulk-Send-At: $past" >/dev/null || nok "send past"
lab_wait_for 15 has_mx past@naver.com
check "scheduled in the past: sent now" has_mx past@naver.com
held_count() { ls "$LAB_SPOOL/hold" 2>/dev/null | wc -l; }
held_two() { [ "$(held_count)" = 2 ]; }
lab_wait_for 10 held_two
check "scheduled in the future: both on hold ($(held_count))" held_two
check "scheduled: not delivered" bash -c "[ -z '$(mx_file sched@naver.com)$(mx_file cxl1@naver.com)' ]"
held_sched=$(grep -l 'sched@naver.com' $(find "$LAB_SPOOL/hold" -type f) 2>/dev/null | head -1)
held_sched=$(basename "${held_sched:-none}")

# 8. Records.
recs=$(records)
echo "$recs" | sed 's/^/# record: /'
for i in 0 1 2; do
    check "record k$i: campaign nov-sale, status 0, queue id" \
        grep -qE "^[a-z0-9]+ k$i@naver.com nov-sale 0 [0-9A-F]+ shop.co.kr 0$" <<<"$recs"
done
check "records: two recipients of the multi message share one msgid" \
    test "$(grep -E ' (multi1@naver.com|Multi2@daum.net) multi ' <<<"$recs" | awk '{print $1}' | sort -u | wc -l)" = 1 \
    -a "$(grep -cE ' (multi1@naver.com|Multi2@daum.net) multi ' <<<"$recs")" = 2
check "record scheduled: status 7 with send_at, queue id = held file" \
    grep -qE "^[a-z0-9]+ sched@naver.com sched 7 $held_sched shop.co.kr [1-9][0-9]+$" <<<"$recs"
check "records cancel campaign: two recipients, status 7" \
    test "$(grep -cE ' cxl[12]@(naver.com|daum.net) cxl 7 ' <<<"$recs")" = 2
check "record: campaign taken from the return path token" grep -qE ' ctok@naver.com spring-sale 0 ' <<<"$recs"
check "record: forged campaign token gives no campaign" grep -qE ' cforged@naver.com - 0 ' <<<"$recs"
check "no record for untrusted mail" bash -c "! grep -q untrusted@ <<<'$recs'"

# 9. Log lines.
check "log: dkim=signed d=shop.co.kr s=s2026,e2026" grep -q ': dkim=signed d=shop.co.kr s=s2026,e2026$' "$LAB/log/milter.log"
check "log: verp=, campaign=, msgid=" grep -qE '^postbulk-milter: [0-9A-F]+: verp=bounce\+m\.[a-z0-9.]+@bounces.shop.co.kr, campaign=nov-sale, msgid=[a-z0-9]+' "$LAB/log/milter.log"

# 10. Milter down (killed: a crash) -> tempfail, nothing leaves unsigned.
# The restart below then also exercises db recovery after a dead writer.
mlt_stop_milter KILL
n=$(lab_mx_count)
out=$(lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t down@naver.com -s down -b down)
check "milter down: message refused with 4xx ($out)" grep -qE '^failed 1 4[0-9][0-9]' <<<"$out"
check "milter down: nothing delivered" test "$(lab_mx_count)" = "$n"

# 11. Missing variable, policy empty (milter restarted).
sed -i 's/^milter_missing_variable = .*/milter_missing_variable = empty/' "$MLT_W/postbulk.cf"
mlt_start_milter || nok "milter restart"
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t empty@naver.com -s 'Hi ${nosuch}!' -b 'x${nosuch}y' >/dev/null \
    || nok "send missing/empty"
lab_wait_for 15 has_mx empty@naver.com
f=$(mx_file empty@naver.com)
if [ -n "$f" ]; then
    check "missing variable (empty policy): Subject" test "$("$T/msgcheck.py" "$f" subject)" = 'Hi !'
    check "missing variable (empty policy): body" test "$("$T/msgcheck.py" "$f" part text/plain | tr -d '\n')" = 'xy'
else
    nok "missing/empty delivered"
fi
# 11b. Template cache: an edited template is picked up (stat at most once a second).
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t tv1@naver.com -s x -H 'X-Postbulk-Template: welcome' \
    -H 'X-Postbulk-Vars: name=A&month=1&coupon=C&banner=B&shop=S' >/dev/null || nok "send template v1"
sed -i 's/^Subject: .*/Subject: v2 ${name}/' "$MLT_W/templates/welcome"
touch -d '+2 seconds' "$MLT_W/templates/welcome"
sleep 1.2
lab_send -p "$MLT_PORT" -f bulk@shop.co.kr -t tv2@naver.com -s x -H 'X-Postbulk-Template: welcome' \
    -H 'X-Postbulk-Vars: name=A&month=1&coupon=C&banner=B&shop=S' >/dev/null || nok "send template v2"
lab_wait_for 15 has_mx tv1@naver.com tv2@naver.com
check "template cache: old version before the edit" test "$("$T/msgcheck.py" "$(mx_file tv1@naver.com)" subject)" = "A님, 1월 특가 안내"
check "template cache: edited template used after the edit" test "$("$T/msgcheck.py" "$(mx_file tv2@naver.com)" subject)" = "v2 A"

# 12. postbulk release --due / postbulk cancel CAMPAIGN. They run as root
# (postsuper must), so the milter is stopped first: root-owned db files would
# lock it out (see the report).
mlt_stop_milter
due() { [ "$(date +%s)" -ge "$(date -d "$soon" +%s)" ]; }
lab_wait_for 10 due
PB=$POSTBULK_TOP/db/postbulk
out=$("$PB" -d "$MLT_W/db" release --due --postfix-config "$LAB_ETC" 2>&1)
check "postbulk release --due: one message released ($out)" grep -q 'released 1 record' <<<"$out"
postqueue -c "$LAB_ETC" -f
lab_wait_for 15 has_mx sched@naver.com
check "released message delivered" has_mx sched@naver.com
f=$(mx_file sched@naver.com)
[ -n "$f" ] && check "released message DKIM valid" $PY "$T/dkim_verify.py" "$MLT_W/keytable" "$f"
out=$("$PB" -d "$MLT_W/db" cancel cxl --postfix-config "$LAB_ETC" 2>&1)
check "postbulk cancel cxl: two records canceled ($out)" grep -q 'canceled 2 record' <<<"$out"
check "canceled message gone from the hold queue" test "$(held_count)" = 0
recs=$("$RECTEST" "$MLT_W/db")
check "records after release: sched status 0" grep -qE ' sched@naver.com sched 0 ' <<<"$recs"
check "records after cancel: both status 8" test "$(grep -cE ' cxl[12]@(naver.com|daum.net) cxl 8 ' <<<"$recs")" = 2
sleep 1
check "canceled message never arrived" bash -c "[ -z '$(mx_file cxl1@naver.com)$(mx_file cxl2@daum.net)' ]"
echo "# $fails failure(s)"
exit 0
