#!/bin/bash
# rules.t - golden test for the general attribution rules (rules/SOURCES):
# Sendmail transcripts (a recipient's exchange is the one before its status
# line), a quoted "To:" header summary is no recipient, a local delivery
# agent's own error decides (mail.local, maildrop, per recipient), fml's
# notices. Each file must report exactly the labelled recipients, in order,
# with their reason and hard/soft flag; the previous classifier failed every
# file (e.g. tora@example.net hostunknown/1 from the next recipient's line).
# timeout: 30
top=${POSTBULK_TOP:?run through tests/run-tests}
prog=$top/bounce-pipe/postbulk-bounce
dir=$top/tests/bounce/rules
[ -x "$prog" ] || { echo "not ok - $prog not built"; exit 1; }
cd "$dir" || exit 1
out=$("$prog" --classify *.eml 2>/dev/null)
n=0
while IFS=$'\t' read -r f pos rcpt reason hard rule; do
    [ "$f" = relpath ] && continue
    n=$((n + 1))
    got=$(awk -F'\t' -v f="$f" -v p="$pos" '$1==f {if (i++ == p) {print $2 "/" $4 "/" $5; exit}}' <<<"$out")
    if [ "$got" = "$rcpt/$reason/$hard" ]; then
        echo "ok - $f #$pos ($rule): $rcpt $reason hard=$hard"
    else
        echo "not ok - $f #$pos ($rule): want $rcpt/$reason/$hard, got ${got:-nothing}"
    fi
done <labels.tsv
# No recipient beyond the labelled ones (a quoted To: must not add one).
for f in *.eml; do
    want=$(awk -F'\t' -v f="$f" '$1==f' labels.tsv | wc -l)
    have=$(awk -F'\t' -v f="$f" '$1==f' <<<"$out" | wc -l)
    [ "$want" = "$have" ] && echo "ok - $f: $have recipient(s)" \
        || echo "not ok - $f: $have recipient(s) reported, $want expected"
done
[ "$n" -ge 9 ] && echo "ok - $n labelled rows checked" || echo "not ok - only $n rows"
