#!/bin/bash
# logs.t - the disk stays bounded: transaction logs are removed after
# checkpoints (DB_LOG_AUTO_REMOVE plus the checkpoints of
# pfdb_supp_import, pfdb_maintain and "postbulk db checkpoint").
# Log files are made 1 MB here (DB_CONFIG) so that 300,000 imported
# addresses (~80 MB of log) would leave ~80 files if nothing removed them.
# timeout: 120
set -u
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
pb=$top/db/postbulk
work=$(mktemp -d /tmp/pfdb-logs.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
[ -x "$pb" ] || { echo "not ok - db/postbulk not built"; exit 1; }
db=$work/db; mkdir "$db"
printf 'set_cachesize 0 67108864 1\nset_lg_max 1048576\n' >"$db/DB_CONFIG"
awk 'BEGIN { for (i = 0; i < 300000; i++) printf "u%d@d%d.example.com\n", i, i % 97 }' >"$work/list"
if "$pb" -d "$db" suppress import "$work/list" >"$work/out" 2>&1; then
    echo "ok - imported: $(cat "$work/out")"
else
    echo "not ok - import: $(cat "$work/out")"
fi
n=$(ls "$db" | grep -c '^log\.')
written=$(ls "$db" | sed -n 's/^log\.0*//p' | sort -n | tail -1)
[ "${written:-0}" -ge 50 ] && [ "$n" -le 40 ] \
    && echo "ok - $n log files left of $written written (checkpoints during import removed the rest)" \
    || echo "not ok - $n log files left of ${written:-?} written"
"$pb" -d "$db" db checkpoint >/dev/null 2>&1 || echo "not ok - db checkpoint failed"
n2=$(ls "$db" | grep -c '^log\.')
[ "$n2" -le 2 ] && echo "ok - db checkpoint leaves $n2 log file(s) (was $n)" \
    || echo "not ok - db checkpoint left $n2 log files"
"$pb" -d "$db" suppress show u299999@d75.example.com >/dev/null 2>&1 \
    && echo "ok - data intact after log removal" || echo "not ok - data lost after log removal"
