#!/bin/bash
# facts.t - golden test: the facts --classify finds per recipient (reply
# code, action, diagnostic type, SMTP command, hint, remote host; the
# diagnostic text left out) over the shared corpus, against
# facts/corpus.ref. The corpus is run twice: in one process (patterns
# JIT-compiled, bp_use_jit) and four files per process (interpreted):
# both must give the reference, which the regex pre-filters (split
# command alternations, literal checks) must not change.
# timeout: 60
top=${POSTBULK_TOP:?run through tests/run-tests}
corpus=${POSTBULK_BOUNCE_CORPUS:-$top/../shared/data/bounces}
prog=$top/bounce-pipe/postbulk-bounce
ref=$top/tests/bounce/facts/corpus.ref
[ -x "$prog" ] || { echo "not ok - $prog not built"; exit 1; }
if [ ! -f "$corpus/labels.tsv" ]; then
    echo "skipped: no corpus at $corpus (set POSTBULK_BOUNCE_CORPUS)"; exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$corpus" || exit 1
# facts: lines on stderr, classification on stdout; diag= is cut off.
facts() {
    POSTBULK_BOUNCE_FACTS=1 "$@" 2>&1 >/dev/null | sed -n 's/ diag=.*//; /: facts: /p'
}
facts "$prog" --classify maildir/bsd/*.eml >"$tmp/jit"
ls maildir/bsd/*.eml | POSTBULK_BOUNCE_FACTS=1 xargs -n 4 "$prog" --classify 2>&1 >/dev/null \
    | sed -n 's/ diag=.*//; /: facts: /p' >"$tmp/interp"
n=$(wc -l <"$ref")
[ "$n" -gt 300 ] && echo "ok - $n reference lines" || echo "not ok - only $n reference lines"
if cmp -s "$ref" "$tmp/jit"; then
    echo "ok - one process (JIT): facts as $(basename "$ref")"
else
    echo "not ok - one process (JIT): facts differ from $(basename "$ref")"
    diff "$ref" "$tmp/jit" | head -20 | sed 's/^/# /'
fi
if cmp -s "$ref" "$tmp/interp"; then
    echo "ok - four files per process (interpreted): facts as $(basename "$ref")"
else
    echo "not ok - four files per process: facts differ from $(basename "$ref")"
    diff "$ref" "$tmp/interp" | head -20 | sed 's/^/# /'
fi
