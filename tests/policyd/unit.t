#!/bin/bash
# unit.t - policyd's pure parts: token bucket properties (pol_unit_test rate)
# and the destination table (common/desttab): golden cases in
# tests/policyd/desttab/NAME.args (driver arguments) and NAME.ref.
# Also checks that the shipped postfix-conf/destinations.cf loads.
# timeout: 60
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
drv=$top/policyd/pol_unit_test
[ -x "$drv" ] || { echo "not ok - $drv not built"; exit 1; }
"$drv" rate; rc=$?
[ $rc = 0 ] || echo "not ok - pol_unit_test rate exited with status $rc"
cd "$top/tests/policyd/desttab" || exit 1
n=0
for a in *.args; do
    name=${a%.args}
    out=$(TZ=UTC "$drv" $(cat "$a") 2>&1)
    if [ "$out" = "$(cat "$name.ref")" ]; then
        echo "ok - desttab $name"
    else
        echo "not ok - desttab $name"
        diff <(echo "$out") "$name.ref" | head -10 | sed 's/^/# /'
    fi
    n=$((n + 1))
done
[ $n -ge 20 ] || echo "not ok - only $n desttab cases"
if out=$("$drv" desttab "$top/postfix-conf/destinations.cf" naver.com 2>&1) &&
   echo "$out" | grep -q '^naver.com -> naver$'; then
    echo "ok - shipped destinations.cf loads"
else
    echo "not ok - shipped destinations.cf: $out"
fi
