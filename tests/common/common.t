#!/bin/bash
# Golden-file tests of common/: address normalization, the VERP token
# codec, the config parser, the growable buffer.
set -u
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
drv=$top/tests/unit/common_test
dir=$top/tests/common
n=0
check() {	# name command...
    local name=$1; shift
    n=$((n + 1))
    if "$@" > "$dir/$name.tmp" 2>&1 && diff -u "$dir/$name.ref" "$dir/$name.tmp"; then
        echo "ok $n - $name"; rm -f "$dir/$name.tmp"
    else
        echo "not ok $n - $name"
    fi
}
check addr	sh -c "'$drv' addr < '$dir/addr.in'"
check addr-strip	sh -c "'$drv' addr strip fold < '$dir/addr-strip.in'"
check token	sh -c "'$drv' token < '$dir/token.in'"
check buf	"$drv" buf
for f in cfg-ok cfg-range cfg-badtime cfg-unknown cfg-cont cfg-noeq; do
    check "$f"	sh -c "cd '$dir' && '$drv' cfg $f.cf"
done
check cfg-missing	sh -c "cd '$dir' && '$drv' cfg no-such-file.cf"

# Token key files: good, too short, world-readable, missing.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
head -c 32 /dev/urandom > "$tmp/good"; chmod 640 "$tmp/good"
head -c 10 /dev/urandom > "$tmp/short"; chmod 600 "$tmp/short"
head -c 40 /dev/urandom > "$tmp/open"; chmod 644 "$tmp/open"
expect_key() {	# file expected-regex
    n=$((n + 1))
    out=$("$drv" keyfile "$1")
    if echo "$out" | grep -qE "$2"; then echo "ok $n - keyfile $(basename "$1")"
    else echo "not ok $n - keyfile $(basename "$1"): $out"; fi
}
expect_key "$tmp/good" '^loaded 32 bytes$'
expect_key "$tmp/short" "^error: token key file $tmp/short: 10 bytes, need at least 32"
expect_key "$tmp/open" "^error: token key file $tmp/open: readable by others"
expect_key "$tmp/missing" "^error: open token key file $tmp/missing: No such file"
