#!/bin/bash
# mimescan.t - differential test: the line scan (bounce-pipe/bp_mimescan.c)
# and the pre-cut before GMime must give, field by field, what GMime alone
# gives on the message as it is (bp_mimescan_test parses every message
# three ways). Over the hand-written edge cases in mimescan/, every other
# sample of tests/bounce, and the shared corpus when it is there. Also
# checks that the scan takes the usual reports (a scan that gave up on
# everything would agree with GMime too).
# timeout: 60
top=${POSTBULK_TOP:?run through tests/run-tests}
prog=$top/bounce-pipe/bp_mimescan_test
corpus=${POSTBULK_BOUNCE_CORPUS:-$top/../shared/data/bounces}
[ -x "$prog" ] || { echo "not ok - $prog not built"; exit 1; }
dir=$top/tests/bounce

# check NAME MIN_SCANNED FILE... - no difference, at least MIN scanned
check() {
    local name=$1 min=$2 out last scanned files
    shift 2
    out=$("$prog" "$@" 2>&1)
    last=$(tail -1 <<<"$out")
    scanned=$(sed -n 's/^scanned \([0-9]*\) of \([0-9]*\), differ 0$/\1/p' <<<"$last")
    files=$(sed -n 's/^scanned [0-9]* of \([0-9]*\), differ 0$/\1/p' <<<"$last")
    if [ -n "$scanned" ] && [ "$files" -eq $# ]; then
        echo "ok - $name: $files messages, same as GMime alone ($scanned by the line scan)"
    else
        echo "not ok - $name: differs from GMime alone"
        grep -v '^#' <<<"$out" | head -20 | sed 's/^/# /'
        return
    fi
    if [ "$scanned" -ge "$min" ]; then
        echo "ok - $name: the line scan took $scanned (>= $min)"
    else
        echo "not ok - $name: the line scan took only $scanned (want >= $min)"
    fi
}

check "edge cases" 6 "$dir"/mimescan/*.eml
check "other samples" 15 $(find "$dir" -name '*.eml' ! -path '*/mimescan/*' | sort)
if [ -f "$corpus/labels.tsv" ]; then
    # 362 of 371 at the time of writing; the rest have header blocks or
    # originals GMime reads its own way.
    check "shared corpus" 340 "$corpus"/maildir/bsd/*.eml
else
    echo "ok - shared corpus skipped: none at $corpus"
fi
