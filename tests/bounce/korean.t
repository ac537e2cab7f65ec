#!/bin/bash
# korean.t - golden test: Naver, Daum/Kakao and Nate samples (Korean and
# English wording; EUC-KR base64 and quoted-printable, ISO-2022-KR, UTF-8)
# must all get their expected reason and hard/soft flag.
# timeout: 30
top=${POSTBULK_TOP:?run through tests/run-tests}
prog=$top/bounce-pipe/postbulk-bounce
dir=$top/tests/bounce/samples
cd "$dir" || exit 1
out=$("$prog" --classify *.eml 2>&1)
awk -F'\t' 'NR > 1 {print $1, $5, $6}' labels.tsv | while read -r f reason hard; do
    got=$(awk -F'\t' -v f="$f" '$1==f {print $4 "/" $5; exit}' <<<"$out")
    if [ "$got" = "$reason/$hard" ]; then
        echo "ok - $f: $reason hard=$hard"
    else
        echo "not ok - $f: want $reason/$hard, got ${got:-nothing}"
    fi
done
# The Korean-only samples must not classify without charset conversion:
# the same text read as raw bytes matches no pattern (proves the test can fail).
raw=$(LC_ALL=C sed -n '/^$/,$p' nate-spam-iso2022kr.eml | tr -d '\033\016\017')
grep -q '스팸' <<<"$raw" && echo "not ok - ISO-2022-KR sample is not really encoded" \
    || echo "ok - ISO-2022-KR sample holds no UTF-8 Korean text"
