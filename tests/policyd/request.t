#!/bin/bash
# request.t - golden tests of the policy request parser (pol_request).
# Each tests/policyd/request/NAME.in is fed whole, one byte at a time and
# in 7-byte chunks; all three outputs must equal NAME.ref.
# timeout: 60
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
drv=$top/policyd/pol_request_test
dir=$top/tests/policyd/request
[ -x "$drv" ] || { echo "not ok - $drv not built"; exit 1; }
n=0
for in in "$dir"/*.in; do
    name=$(basename "$in" .in)
    for chunk in 0 1 7; do
        out=$("$drv" $chunk <"$in" 2>&1)
        if [ "$out" = "$(cat "${in%.in}.ref")" ]; then
            echo "ok - request $name (chunk $chunk)"
        else
            echo "not ok - request $name (chunk $chunk)"
            diff <(echo "$out") "${in%.in}.ref" | head -10 | sed 's/^/# /'
        fi
        n=$((n + 1))
    done
done
[ $n -ge 30 ] || echo "not ok - only $n cases found in $dir"
