#!/bin/bash
# rxlit.t - bp_rxlit: the reason tables' long regex alternations are
# split into alternatives with a required literal each, and bp_reason
# runs only those whose literal occurs. Checks the literals the scanner
# finds for known constructs (quantifiers, classes, groups, escapes),
# that it refuses what it does not model, and that on every test
# message (whole and line by line) and on each literal, every table
# regex answers the same whole and split.
# timeout: 30
top=${POSTBULK_TOP:?run through tests/run-tests}
prog=$top/bounce-pipe/bp_rxlit_test
[ -x "$prog" ] || { echo "not ok - $prog not built"; exit 1; }

split_is() {	# split_is WHAT WANT PATTERN... : literals, one per alternative
    local what=$1 want=$2 got
    shift 2
    got=$("$prog" split "$@" | awk -F'\t' 'NF == 2 {printf "%s|", $1} NF == 1 {printf "%s|", $0}')
    if [ "$got" = "$want" ]; then
        echo "ok - split: $what"
    else
        echo "not ok - split: $what: want '$want', got '$got'"
    fi
}
split_is "plain alternatives" "abc|no such user|" 'abc|no[ ]such[ ]user'
split_is "optional character dropped" "ij|" 'gh?ij'
split_is "star and braces drop the character" "rst|lmn|" 'q*rst|k{2}lmn'
split_is "plus keeps the character" "ab|" 'ab+'
split_is "groups end a run" "def|" 'x(?:y|z)def'
split_is "one-character classes and escapes" " said: 550|foo.bar|" '[ ]said:[ ]550|\bfoo\.bar'
split_is "negated and longer classes end a run" "abc|-|" '[^a]abc|[ab]'
split_is "enclosing group is looked through" "user unknown|mailbox full|" '(?>
    user[ ]unknown   # a comment | not an alternative
   |mailbox[ ]full
)'
split_is "group with a tail is one alternative" "-|" '(?>a|b)c'
split_is "white space is literal without -x" "user unknown|" -b 'user unknown'
split_is "inline options are refused" "unsupported|" 'a(?i)b|c'
split_is "back references are refused" "unsupported|" '(a)\1'
split_is "escapes with arguments are refused" "unsupported|" 'a\x{41}b'

files=$(find "$top/tests/bounce" -name '*.eml' | sort)
out=$("$prog" equiv $files 2>&1)
rc=$?
printf '%s\n' "$out" | grep -E '^(ok|not ok) - ' | head -20
[ $rc -eq 0 ] && echo "ok - equivalence run exits 0" || echo "not ok - equivalence run exit status $rc"
