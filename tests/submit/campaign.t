#!/bin/bash
# campaign.t - a 10,000-row campaign through a private Postfix to the fake MX
# timeout: 150
#
# The list (generated: gen_list.py) mixes valid rows, typos, 한글-mode
# addresses, invalid addresses, duplicates, and addresses that a real
# Postfix check_recipient_access table rejects the way policyd does
# ("REJECT 5.1.1 <addr>: suppressed (...)", "REJECT 5.7.1 ... duplicate in
# campaign"), rejects as unknown, or defers ("retry in 1 s"). Every row must
# be in the report once with its expected outcome, and the fake MX must get
# exactly one message per valid address. Then: an EUC-KR (CP949) list with a
# server-side template and --at, and --resend-failed of the deferred rows.

top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top/tests/lab/lab.sh"
. "$top/tests/submit/sublib.sh"
SUBMIT=$top/submit/postbulk-submit
T=$top/tests/submit
ROWS=${SUBMIT_TEST_ROWS:-10000}

fails=0
ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; fails=$((fails + 1)); }
eq() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else nok "$1: got '$2', want '$3'"; fi; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"; }
mx_ge() { [ "$(lab_mx_count)" -ge "$1" ]; }

[ -x "$SUBMIT" ] || { nok "postbulk-submit is built"; exit 1; }
lab_fakemx_start || { nok "fake MX starts"; exit 1; }
lab_start || { nok "lab starts"; exit 1; }
P=$(lab_free_port)
sub_rcpt_access c10k
sub_listener "$P"
sub_config "$P" "submit_timeout = 20s"
W=$LAB/work; mkdir -p "$W/big" "$W/kr"
printf 'Subject: =?UTF-8?B?7JWI64WV?= ${name}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n${name}님 안녕하세요.\n.leading dot\n' >"$W/msg.txt"

# --- the 10,000-row list
/usr/bin/python3 "$T/gen_list.py" "$ROWS" "$W/big" 7 || nok "list generated"
want_q=$(awk -F'\t' '$4=="queued"' "$W/big/expect.tsv" | wc -l)
t0=$EPOCHREALTIME
$SUBMIT campaign --name c10k --from '쇼핑몰 <news@shop.example>' --message "$W/msg.txt" \
    --list "$W/big/list.csv" --report "$W/big/report.csv" >"$W/big/out" 2>"$W/big/err"
rc=$?
t1=$EPOCHREALTIME
eq "campaign exit status" "$rc" 0
cat "$W/big/out"
secs=$(( (${t1/./} - ${t0/./}) / 1000 ))
ok "campaign of $ROWS rows submitted in ${secs} ms ($(field rate "$W/big/out") msg/s into Postfix)"
if [ -s "$W/big/err" ]; then nok "silent on stderr when not a terminal"; sed 's/^/# /' "$W/big/err" | head; else ok "silent on stderr when not a terminal"; fi
eq "summary: queued" "$(field queued "$W/big/out")" "$want_q"
eq "summary: retries of the deferred rows" "$(field retries "$W/big/out")" "$(( $(awk -F'\t' '$2=="later"' "$W/big/expect.tsv" | wc -l) * 2 ))"
eq "summary: status" "$(field status "$W/big/out")" complete
lab_wait_for 120 mx_ge "$want_q" || nok "fake MX got $want_q messages within 120 s (has $(lab_mx_count))"
lab_wait_queue_empty 30 || nok "Postfix queue drained"
sleep 0.5
/usr/bin/python3 "$T/check_campaign.py" "$W/big/expect.tsv" "$W/big/report.csv" "$LAB_MX_DIR/index.jsonl" c10k || fails=$((fails + 1))

# --- an EUC-KR list, server-side template, scheduled send
/usr/bin/python3 "$T/gen_list.py" 300 "$W/kr" 11 cp949 || nok "EUC-KR list generated"
sed -i 's/c10k/ckr/' "$LAB_ETC/rcpt_access"
before=$(lab_mx_count)
want_kr=$(awk -F'\t' '$4=="queued"' "$W/kr/expect.tsv" | wc -l)
$SUBMIT campaign --name ckr --from 'news@shop.example' --template welcome-2026 \
    --at '2026-12-01T09:00:00+09:00' --list "$W/kr/list.csv" --report "$W/kr/report.csv" \
    >"$W/kr/out" 2>"$W/kr/err"
eq "EUC-KR campaign exit status" "$?" 0
eq "EUC-KR list detected as CP949" "$(field encoding "$W/kr/out")" CP949
lab_wait_for 60 mx_ge $((before + want_kr)) || nok "fake MX got the EUC-KR campaign"
lab_wait_queue_empty 30
sleep 0.3
/usr/bin/python3 "$T/check_campaign.py" "$W/kr/expect.tsv" "$W/kr/report.csv" "$LAB_MX_DIR/index.jsonl" ckr || fails=$((fails + 1))
f=$(grep -l '^X-Postbulk-Campaign: ckr' "$LAB_MX_DIR"/msgs/*.eml | head -1)
grep -q '^X-Postbulk-Template: welcome-2026' "$f" && ok "X-Postbulk-Template set" || nok "X-Postbulk-Template missing in $f"
grep -q '^X-Postbulk-Send-At: 2026-12-01T00:00:00Z' "$f" && ok "X-Postbulk-Send-At in UTC" || nok "X-Postbulk-Send-At wrong in $f"

# --- resend to the rows that failed (status 2) once the deferral is gone
sed -i '/^\/\^later/d' "$LAB_ETC/rcpt_access"
lab_reload
n_later=$(awk -F'\t' '$2=="later"' "$W/big/expect.tsv" | wc -l)
before=$(lab_mx_count)
$SUBMIT campaign --resend-failed "$W/big/report.csv" --name c10k-resend --from 'news@shop.example' \
    --message "$W/msg.txt" --report "$W/resend.csv" >"$W/resend.out" 2>"$W/resend.err"
eq "--resend-failed exit status" "$?" 0
eq "--resend-failed: only the status-2 rows are sent" "$(field queued "$W/resend.out")" "$n_later"
lab_wait_for 30 mx_ge $((before + n_later))
lab_wait_queue_empty 20
eq "--resend-failed: fake MX got them" "$(( $(lab_mx_count) - before ))" "$n_later"

# --- bad input: clear errors, sysexits
$SUBMIT campaign --name 'Bad Name' --list "$W/big/list.csv" --dry-run 2>"$W/e1"; eq "bad campaign name: EX_USAGE" "$?" 64
grep -q 'lowercase letters, digits' "$W/e1" && ok "bad campaign name: the rule is named" || nok "bad name message: $(cat "$W/e1")"
printf 'name,login\nx,y\n' >"$W/noemail.csv"
$SUBMIT campaign --name x --list "$W/noemail.csv" --dry-run >/dev/null 2>"$W/e2"; eq "no email column: EX_DATAERR" "$?" 65
grep -q 'no "email" column' "$W/e2" && ok "no email column: named" || nok "no email column message: $(cat "$W/e2")"
$SUBMIT campaign --name x --list "$W/none.csv" --dry-run >/dev/null 2>"$W/e3"; eq "missing list: EX_NOINPUT" "$?" 66
chmod 644 "$LAB/token.key"
$SUBMIT campaign --name x --list "$W/noemail.csv" --template t --from a@b.example >/dev/null 2>"$W/e4"; eq "unsafe token key: EX_NOPERM" "$?" 77
grep -q 'readable by others' "$W/e4" && ok "token key problem named" || nok "token key message: $(cat "$W/e4")"

[ $fails = 0 ]
