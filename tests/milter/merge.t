#!/bin/bash
# timeout: 30
# merge.t - golden files for the template merge (milter/mlt_merge_test):
# tests/milter/merge/NAME.in is the message, NAME.args the driver's
# arguments (options and the X-Postbulk-Vars value), NAME.ref the
# expected output. REGEN=1 rewrites the .ref files (review the diff).
cd "$POSTBULK_TOP" || exit 1
drv=milter/mlt_merge_test
[ -x "$drv" ] || { echo "not ok - $drv not built"; exit 1; }
for in in tests/milter/merge/*.in; do
    name=${in%.in}
    [ -f "$name.args" ] || continue
    tmp=$(mktemp)
    eval "$drv $(cat "$name.args")" <"$in" >"$tmp" 2>&1
    if [ "${REGEN:-0}" = 1 ]; then cp "$tmp" "$name.ref"; fi
    if diff -u "$name.ref" "$tmp"; then
        echo "ok - merge $(basename "$name")"
    else
        echo "not ok - merge $(basename "$name")"
    fi
    rm -f "$tmp"
done
