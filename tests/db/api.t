#!/bin/bash
# api.t - unit tests of the pfdb API (db/pfdb_test unit): codec, every
# table's put/get/del/walk, secondary indexes, duplicate check, counters,
# transactions, read-only handles, pfdb_verify (clean and corrupt).
# timeout: 60
set -u
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
dir=$(mktemp -d /tmp/pfdb-api.XXXXXX)
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM
printf 'set_cachesize 0 16777216 1\n' >"$dir/DB_CONFIG"
[ -x "$top/db/pfdb_test" ] || { echo "not ok - db/pfdb_test not built"; exit 1; }
"$top/db/pfdb_test" unit "$dir"
