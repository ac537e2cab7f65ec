#!/bin/bash
# bench-db.sh - the db benchmark (make bench-db).
#
# Generates 1,000,000 distinct addresses (5,000 domains, random local
# parts), imports them with "postbulk suppress import" into a fresh store
# (parsing, addr_normalize, 10k-key transactions), then runs pfdb_supp_get
# lookups of those addresses in random order on one thread for
# LOOKUP_SECONDS, after a one-second warm-up.
# Ends with exactly one line (wall-clock rates):
#   BENCH db import_per_s=N lookup_per_s=N
# Lines before it on stderr give the load average and the same rates per
# CPU second, which are what to compare on a machine shared with others.
# Environment: BENCH_N (default 1000000), LOOKUP_SECONDS (default 5),
# BENCH_DIR (default a fresh mktemp dir, removed afterwards).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${BENCH_N:-1000000}
secs=${LOOKUP_SECONDS:-5}
work=${BENCH_DIR:-$(mktemp -d /tmp/postbulk-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/db"

awk -v n="$n" 'BEGIN { srand(20261123);
    for (i = 0; i < n; i++)
        printf "user%d.%06x@domain%d.example.com\n", i, int(rand() * 16777216), i % 5000 }' \
    >"$work/addresses.txt"

TIMEFORMAT='%U %S'
t0=$(date +%s.%N)
{ time "$top/db/postbulk" -d "$work/db" suppress import "$work/addresses.txt" \
    >"$work/import.out" 2>"$work/import.err"; } 2>"$work/import.time"
t1=$(date +%s.%N)
cat "$work/import.err" >&2
cat "$work/import.out" >&2
imported=$(sed -n 's/.*: \([0-9]*\) addresses imported.*/\1/p' "$work/import.out")
[ "$imported" = "$n" ] || { echo "bench-db: imported $imported of $n" >&2; exit 1; }
import_s=$(echo "$t1 - $t0" | bc -l)
import_cpu=$(awk '{print $1 + $2}' "$work/import.time")
echo "bench-db: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
echo "bench-db: import of $n addresses: $(printf '%.2f' "$import_s") s wall," \
     "$import_cpu s CPU ($(echo "$n / $import_cpu" | bc) per CPU second);" \
     "store $(du -sh "$work/db" | cut -f1) ($(du -sh "$work/db/suppression.db" | cut -f1) suppression.db)" >&2

# One thread (the watchdog thread wakes 4 times a second and does nothing
# else); not pinned: on a shared machine pinning only loses to contention.
"$top/db/pfdb_test" lookup "$work/db" "$work/addresses.txt" "$secs" >"$work/lookup.out"
cat "$work/lookup.out" >&2
lookup=$(sed -n 's/.*lookup_per_s=\([0-9]*\).*/\1/p' "$work/lookup.out")
echo "BENCH db import_per_s=$(echo "$n / $import_s" | bc) lookup_per_s=$lookup"
