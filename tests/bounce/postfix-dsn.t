#!/bin/bash
# postfix-dsn.t - golden test: DSNs produced by Postfix in the lab
# (tests/bounce/postfix-dsn/*.eml) against expected.ref.
# timeout: 30
top=${POSTBULK_TOP:?run through tests/run-tests}
cd "$top/tests/bounce/postfix-dsn" || exit 1
got=$("$top/bounce-pipe/postbulk-bounce" --classify *.eml 2>&1)
if diff -u expected.ref - <<<"$got" >/dev/null; then
    echo "ok - $(ls *.eml | wc -l) Postfix DSNs classified as expected.ref"
else
    echo "not ok - classification differs from expected.ref"
    diff -u expected.ref - <<<"$got" | sed 's/^/# /'
fi
grep -q "	userunknown	1$" expected.ref && echo "ok - expected.ref holds a hard userunknown" \
    || echo "not ok - expected.ref lacks the userunknown case"
