#!/bin/bash
# mime-edge.t - golden test: --classify output over tests/bounce/mime-edge
# must equal expected.ref, the output of the classifier that gave GMime the
# whole message. Guards the fast path of bp_mime.c (raw header blocks,
# returned originals cut before GMime): e.g. an original that reuses the
# enclosing boundary must not add the recipient of the report it carries.
# timeout: 30
top=${POSTBULK_TOP:?run through tests/run-tests}
prog=$top/bounce-pipe/postbulk-bounce
dir=$top/tests/bounce/mime-edge
[ -x "$prog" ] || { echo "not ok - $prog not built"; exit 1; }
cd "$dir" || exit 1
out=$("$prog" --classify *.eml 2>&1)
n=0
for f in *.eml; do
    n=$((n + 1))
    want=$(grep -F "$f	" expected.ref)
    got=$(grep -F "$f	" <<<"$out")
    if [ -n "$want" ] && [ "$got" = "$want" ]; then
        echo "ok - $f: $(cut -f2- <<<"$got" | tr '\t\n' ' ;')"
    else
        echo "not ok - $f: want [${want//$'\t'/ }], got [${got//$'\t'/ }]"
    fi
done
[ "$n" -ge 7 ] && echo "ok - $n edge samples checked" || echo "not ok - only $n samples"
