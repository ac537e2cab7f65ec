#!/bin/bash
# cli.t - the postbulk admin CLI against a real store in a temp dir:
# suppress add/show/del/list/export/import (bad lines), export CSV
# (golden files, BOM, RFC 4180 quoting checked by Python's csv module,
# Korean text), status tables (golden), usage errors, unwritable and
# missing db directories, config and POSTBULK_DB precedence, db verify.
# timeout: 60
set -u
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
here=$top/tests/db
pb=$top/db/postbulk
work=$(mktemp -d /tmp/pfdb-cli.XXXXXX)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
export TZ=UTC
unset POSTBULK_DB POSTBULK_CONFIG
# Keep the default config path from being read: an explicit empty one.
: >"$work/empty.cf"
export POSTBULK_CONFIG=$work/empty.cf

ok() { echo "ok - $*"; }
nok() { echo "not ok - $*"; }
# expect RC DESCRIPTION CMD...: run CMD, compare exit status
expect() {
    local want=$1 what=$2; shift 2
    "$@" >"$work/out" 2>"$work/err"; local rc=$?
    if [ "$rc" = "$want" ]; then ok "$what (exit $rc)"
    else nok "$what: exit $rc, expected $want"; sed 's/^/# /' "$work/out" "$work/err" | head -10; fi
}
[ -x "$pb" ] || { nok "db/postbulk not built"; exit 1; }

db=$work/db; mkdir "$db"
printf 'set_cachesize 0 8388608 1\n' >"$db/DB_CONFIG"

# Suppress add / show / del.
expect 0 "suppress add with reason" "$pb" -d "$db" suppress add '<kim@NAVER.COM>' userunknown
grep -q '^kim@naver.com: suppressed (userunknown)' "$work/out" && ok "add prints the normalized key" || nok "add output: $(cat "$work/out")"
expect 0 "suppress show" "$pb" -d "$db" suppress show kim@naver.com
grep -q '^reason: *userunknown' "$work/out" && grep -q '^source: *admin' "$work/out" \
    && ok "show prints reason and source" || nok "show output: $(cat "$work/out")"
expect 0 "suppress add of an IDN address" "$pb" -d "$db" suppress add 'hong@한국.kr'
expect 0 "show finds it under its A-label" "$pb" -d "$db" suppress show 'hong@xn--3e0b707e.kr'
expect 0 "suppress add @domain" "$pb" -d "$db" suppress add '@blocked.example' complaint
expect 0 "show of an address in a suppressed domain" "$pb" -d "$db" suppress show 'x@blocked.example'
grep -q '^matched: @blocked.example' "$work/out" && ok "show says the @domain entry matched" || nok "matched line missing"
expect 67 "show of an unsuppressed address is EX_NOUSER" "$pb" -d "$db" suppress show nobody@example.com
expect 65 "suppress add of a malformed address is EX_DATAERR" "$pb" -d "$db" suppress add 'no-at-sign'
grep -q 'no-at-sign' "$work/err" && ok "the error names the address" || nok "error: $(cat "$work/err")"
expect 65 "suppress add with a bad reason" "$pb" -d "$db" suppress add a@example.com 'bad reason'
expect 0 "suppress del" "$pb" -d "$db" suppress del hong@xn--3e0b707e.kr
expect 67 "del again: not suppressed" "$pb" -d "$db" suppress del hong@xn--3e0b707e.kr
expect 0 "suppress list" "$pb" -d "$db" suppress list
[ "$(grep -c '@' "$work/out")" = 2 ] && head -1 "$work/out" | grep -q '^ADDRESS ' \
    && ok "list shows a header and the 2 entries" || nok "list: $(cat "$work/out")"

# Import with bad lines.
cat >"$work/import.txt" <<'IMP'
# suppression list from the old system
good1@example.com
this is not an address
good2@example.com,complaint

good3@EXAMPLE.com , unsubscribe
bad@@example.com
"quoted,local"@example.com
user@exa_mple.com
good4@example.com,not a reason!
good5@example.com,bounce
IMP
printf 'crlf@example.com\r\n' >>"$work/import.txt"
printf 'nul\0byte@example.com\n' >>"$work/import.txt"
expect 65 "import with bad lines exits EX_DATAERR" "$pb" -d "$db" suppress import "$work/import.txt"
f=$work/import.txt
for n in 3 7 9 10 13; do
    grep -q "^$f:$n: " "$work/err" && ok "bad line $n reported as FILE:$n" || nok "line $n not reported: $(cat "$work/err")"
done
[ "$(grep -c "^$f:" "$work/err")" = 5 ] && ok "exactly the 5 bad lines reported" || nok "reported: $(cat "$work/err")"
grep -q "^$f:13: NUL byte" "$work/err" && ok "a NUL byte is reported as such" || nok "NUL line: $(cat "$work/err")"
grep -q "6 addresses imported, 5 bad lines" "$work/out" && ok "summary: 6 imported, 5 bad" || nok "summary: $(cat "$work/out")"
good=0
for a in good1@example.com good2@example.com good3@example.com '"quoted,local"@example.com' good5@example.com crlf@example.com; do
    "$pb" -d "$db" suppress show "$a" >/dev/null 2>&1 && good=$((good + 1))
done
[ $good = 6 ] && ok "every good line was imported" || nok "only $good of 6 good lines imported"
"$pb" -d "$db" suppress show good2@example.com | grep -q '^reason: *complaint' && ok "import keeps the reason column" || nok "reason column lost"
expect 66 "import of a missing file is EX_NOINPUT" "$pb" -d "$db" suppress import "$work/nonexistent"
grep -q "$work/nonexistent" "$work/err" && ok "the error names the file" || nok "error: $(cat "$work/err")"

# Export and re-import: the same list.
"$pb" -d "$db" suppress export >"$work/supp.csv"
db2=$work/db2; mkdir "$db2"; printf 'set_cachesize 0 8388608 1\n' >"$db2/DB_CONFIG"
expect 0 "suppress export re-imports cleanly" "$pb" -d "$db2" suppress import "$work/supp.csv"
"$pb" -d "$db2" suppress export >"$work/supp2.csv"
cmp -s "$work/supp.csv" "$work/supp2.csv" && ok "export/import round trip is identical" || nok "round trip differs"

# Message export and status: golden files.
fx=$work/fx; mkdir "$fx"; printf 'set_cachesize 0 8388608 1\n' >"$fx/DB_CONFIG"
"$top/db/pfdb_test" fixture "$fx" || nok "fixture"
golden() {	# NAME CMD...
    local name=$1; shift
    "$@" >"$work/$name.out" 2>"$work/$name.err"
    if cmp -s "$here/$name.ref" "$work/$name.out"; then ok "golden $name"
    else nok "golden $name differs"; diff "$here/$name.ref" "$work/$name.out" | head -10 | sed 's/^/# /'; fi
}
golden export-all "$pb" -d "$fx" export
golden export-spring-since "$pb" -d "$fx" export --campaign spring --since 2025-01-01
golden status-spring "$pb" -d "$fx" status spring
golden status-all "$pb" -d "$fx" status
[ "$(head -c 3 "$work/export-all.out" | od -An -tx1 | tr -d ' ')" = efbbbf ] \
    && ok "export starts with a UTF-8 BOM" || nok "no BOM"
/usr/bin/python3 - "$work/export-all.out" <<'PY' && ok "CSV parses per RFC 4180 with quotes, commas, newlines, Korean" || nok "CSV check failed"
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
assert rows[0][:3] == ["id", "campaign", "email"] and len(rows[0]) == 11, rows[0]
assert len(rows) == 6, len(rows)
m2 = [r for r in rows if r[0] == "m2"][0]
assert m2[9] == '550 5.1.1 "lee", 사용자 없음\r\nsecond line', repr(m2[9])
m4 = [r for r in rows if r[0] == "m4"][0]
assert m4[9] == "bad byte \ufffd here, =cmd", repr(m4[9])
assert all(len(r) == 11 for r in rows)
PY
"$pb" -d "$fx" export --since 7d >"$work/since.csv" 2>&1
[ "$(grep -c '^m[0-9],' "$work/since.csv")" = 4 ] && ! grep -q '^m1,' "$work/since.csv" \
    && ok "export --since 7d (an age) keeps the 4 recent records" || nok "--since 7d: $(cat "$work/since.csv")"
"$pb" -d "$fx" export --since=1750000000 >"$work/since.csv" 2>&1
[ "$(grep -c '^m[0-9],' "$work/since.csv")" = 4 ] && ok "export --since=EPOCH" || nok "--since=EPOCH"
expect 0 "export -o FILE" "$pb" -d "$fx" export -o "$work/x.csv"
cmp -s "$work/x.csv" "$here/export-all.ref" && [ ! -e "$work/x.csv.tmp" ] \
    && ok "export -o wrote the file, no temp file left" || nok "export -o result"
expect 73 "export -o into a missing directory is EX_CANTCREAT" "$pb" -d "$fx" export -o "$work/no/such/x.csv"
expect 66 "status of an unknown campaign" "$pb" -d "$fx" status nosuch

# Usage errors.
expect 64 "unknown global flag is EX_USAGE" "$pb" -x status
grep -q '^usage: postbulk' "$work/err" && ok "usage printed on stderr" || nok "no usage"
expect 64 "unknown command is EX_USAGE" "$pb" -d "$db" frobnicate
expect 64 "unknown export flag is EX_USAGE" "$pb" -d "$fx" export --bogus
expect 64 "bad --since is EX_USAGE" "$pb" -d "$fx" export --since yesterday-ish
expect 64 "unknown suppress flag is EX_USAGE" "$pb" -d "$db" suppress list -z
expect 64 "missing command is EX_USAGE" "$pb" -d "$db"

# Db directory problems.
expect 73 "missing db directory is EX_CANTCREAT" "$pb" -d "$work/missing" suppress list
grep -q "$work/missing" "$work/err" && ok "the error names the missing directory" || nok "error: $(cat "$work/err")"
ro=$work/ro; mkdir "$ro"; chmod 755 "$ro"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    chmod 755 "$work"
    expect 77 "db directory not writable is EX_NOPERM" \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$pb" -d "$ro" suppress list
    grep -q "$ro is not writable" "$work/err" && ok "the error names the directory" || nok "error: $(cat "$work/err")"
elif [ "$(id -u)" != 0 ]; then
    chmod 555 "$ro"
    expect 77 "db directory not writable is EX_NOPERM" "$pb" -d "$ro" suppress list
    grep -q "$ro is not writable" "$work/err" && ok "the error names the directory" || nok "error: $(cat "$work/err")"
else
    echo "# setpriv missing: unwritable-directory check skipped"
fi

# Configuration: db_directory, POSTBULK_DB, -d precedence.
printf 'db_directory = %s\n' "$db" >"$work/postbulk.cf"
expect 0 "db_directory from -c CONFIG" "$pb" -c "$work/postbulk.cf" suppress show good1@example.com
POSTBULK_DB=$fx expect 67 "POSTBULK_DB overrides db_directory" "$pb" -c "$work/postbulk.cf" suppress show good1@example.com
POSTBULK_DB=$fx expect 0 "-d overrides POSTBULK_DB" "$pb" -c "$work/postbulk.cf" -d "$db" suppress show good1@example.com
printf 'db_lock_timeout = forever\n' >"$work/bad.cf"
expect 78 "bad configuration is EX_CONFIG" "$pb" -c "$work/bad.cf" suppress list

# db verify / checkpoint.
expect 0 "db verify of a clean store" "$pb" -d "$fx" db verify
grep -q 'clean$' "$work/out" && ok "verify says clean" || nok "verify: $(cat "$work/out")"
expect 0 "db checkpoint" "$pb" -d "$db" db checkpoint
expect 0 "db recover" "$pb" -d "$db" db recover
