#!/bin/bash
# typo.t - golden files for the address typo fixer (submit/typo.c)
# timeout: 30
#
# Each NAME.in is run through submit/typo_test MODE (MODE from the name:
# typo = fix, typo-report = report, typo-off = off) and compared with
# NAME.ref. To add a case, add a line to typo.in and review the new .ref
# (submit/typo_test fix < typo.in > typo.ref).

top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
drv=$top/submit/typo_test
dir=$top/tests/submit
fails=0
[ -x "$drv" ] || { echo "not ok - $drv is built"; exit 1; }
tmp=$(mktemp -d /tmp/typo-t.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for in in "$dir"/typo*.in; do
    name=$(basename "$in" .in)
    case $name in typo) mode=fix ;; typo-*) mode=${name#typo-} ;; esac
    "$drv" "$mode" <"$in" >"$tmp/$name.out" 2>&1
    if diff -u "$dir/$name.ref" "$tmp/$name.out" >"$tmp/$name.diff"; then
        echo "ok - $name ($mode mode, $(grep -c '^>>>' "$tmp/$name.out") addresses, $(grep -c '^change:' "$tmp/$name.out") changes)"
    else
        echo "not ok - $name ($mode mode) differs from $name.ref:"
        sed 's/^/# /' "$tmp/$name.diff"
        fails=$((fails + 1))
    fi
done
# Properties that must hold whatever the tables say:
# a known real domain is never changed, and every change is reported.
out=$(printf '%s\n' a@mail.com b@gmx.com c@daum.co.kr d@ymail.com e@me.com | "$drv" fix)
if echo "$out" | grep -q '^change:'; then
    echo "not ok - real domains (mail.com, gmx.com, ...) left alone"; echo "$out" | sed 's/^/# /'; fails=$((fails + 1))
else
    echo "ok - real domains (mail.com, gmx.com, daum.co.kr, ymail.com, me.com) left alone"
fi
n_change=$(grep -c '^change:' "$tmp/typo.out")
trimmed_only=$(grep -A1 '^>>>' "$tmp/typo.out" | grep -v -- '^--' | awk 'NR%2==1{i=tolower(substr($0,5)); gsub(/^[ \t]+|[ \t]+$/,"",i)} NR%2==0{o=tolower(substr($0,6)); if (i!=o) n++} END{print n+0}')
if [ "$trimmed_only" -le "$n_change" ]; then
    echo "ok - every changed address has a change line ($trimmed_only changed, $n_change reported)"
else
    echo "not ok - $trimmed_only addresses changed beyond trimming/lowercasing but only $n_change reported"; fails=$((fails + 1))
fi
[ $fails = 0 ]
