#!/bin/bash
# corpus.t - golden test: postbulk-bounce --classify over the shared bounce
# corpus (371 messages, Sisimai 5's expected labels). Prints the agreement
# and fails below the thresholds reached by this version.
# timeout: 60
top=${POSTBULK_TOP:?run through tests/run-tests}
corpus=${POSTBULK_BOUNCE_CORPUS:-$top/../shared/data/bounces}
MIN_REASON=${MIN_REASON:-0.981}
MIN_HARD=${MIN_HARD:-0.994}
prog=$top/bounce-pipe/postbulk-bounce
[ -x "$prog" ] || { echo "not ok - $prog not built"; exit 1; }
if [ ! -f "$corpus/labels.tsv" ]; then
    echo "skipped: no corpus at $corpus (set POSTBULK_BOUNCE_CORPUS)"; exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$corpus" || exit 1
if "$prog" --classify maildir/bsd/*.eml >"$tmp/out" 2>"$tmp/err"; then
    echo "ok - --classify ran over $(ls maildir/bsd/*.eml | wc -l) messages"
else
    echo "not ok - --classify exited $?"
fi
/usr/bin/python3 "$top/tests/bounce/agree.py" -v labels.tsv . <"$tmp/out" >"$tmp/agree"
grep '^DIFF' "$tmp/agree" | sed 's/^/# /'
line=$(tail -1 "$tmp/agree")
echo "# $line (thresholds reason>=$MIN_REASON hard>=$MIN_HARD)"
r=$(sed -n 's/.*reason_agree=\([0-9.]*\).*/\1/p' <<<"$line")
h=$(sed -n 's/.*hard_agree=\([0-9.]*\).*/\1/p' <<<"$line")
awk -v a="$r" -v b="$MIN_REASON" 'BEGIN{exit !(a>=b)}' \
    && echo "ok - reason agreement $r >= $MIN_REASON" \
    || echo "not ok - reason agreement $r < $MIN_REASON"
awk -v a="$h" -v b="$MIN_HARD" 'BEGIN{exit !(a>=b)}' \
    && echo "ok - hard/soft agreement $h >= $MIN_HARD" \
    || echo "not ok - hard/soft agreement $h < $MIN_HARD"
# Every file either yields lines or a warning naming it.
n_files=$(ls maildir/bsd/*.eml | wc -l)
n_seen=$( (cut -f1 "$tmp/out"; sed -n 's/^postbulk-bounce: warning: \([^:]*\): no recipient found/\1/p' "$tmp/err") | sort -u | wc -l)
[ "$n_seen" = "$n_files" ] && echo "ok - every file printed or warned ($n_seen)" \
    || echo "not ok - $n_seen of $n_files files accounted for"
