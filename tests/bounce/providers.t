#!/bin/bash
# providers.t - golden test: provider error-code tables (Orange / La Poste
# LPN/OFR codes, Cox AUP#, Mimecast) and the T-Online block-list reply, on
# Postfix-layout DSNs written for postbulk (providers/SOURCES). Each file
# must get its expected reason and hard/soft flag; without the provider
# tables the Cox and Mimecast samples classify wrong (securityerror, onhold).
# timeout: 30
top=${POSTBULK_TOP:?run through tests/run-tests}
prog=$top/bounce-pipe/postbulk-bounce
dir=$top/tests/bounce/providers
[ -x "$prog" ] || { echo "not ok - $prog not built"; exit 1; }
cd "$dir" || exit 1
out=$("$prog" --classify *.eml 2>&1)
n=0
while IFS=$'\t' read -r f pos status reply reason hard engine; do
    [ "$f" = relpath ] && continue
    n=$((n + 1))
    got=$(awk -F'\t' -v f="$f" '$1==f {print $3 "/" $4 "/" $5; exit}' <<<"$out")
    if [ "$got" = "$status/$reason/$hard" ]; then
        echo "ok - $f ($engine): $status $reason hard=$hard"
    else
        echo "not ok - $f ($engine): want $status/$reason/$hard, got ${got:-nothing}"
    fi
done <labels.tsv
[ "$n" -ge 5 ] && echo "ok - $n provider samples checked" || echo "not ok - only $n samples"
