#!/bin/bash
# bench.sh - make bench-submit: campaign throughput vs smtp-source, dry-run RSS
#
# usage: tests/submit/bench.sh [ROWS]   (default 100000; BENCH_RSS_ROWS=1000000)
#
# One private Postfix (no milter, no policy) relaying to smtp-sink. First a
# ROWS-row campaign (postbulk-submit, default submit_connections), then
# smtp-source injecting ROWS messages of the same size with 10 sessions, each
# timed until Postfix accepted the last message (the injection rate: the
# queue is drained before each run). Then the peak RSS of a dry run over a
# BENCH_RSS_ROWS-row list. Last line:
#   BENCH submit mps=N smtp_source_mps=N ratio=N rss_mb_1m=N

top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
export POSTBULK_TOP=$top
. "$top/tests/lab/lab.sh"
SUBMIT=$top/submit/postbulk-submit
ROWS=${1:-${BENCH_ROWS:-100000}}
RSS_ROWS=${BENCH_RSS_ROWS:-1000000}
CONNS=${BENCH_CONNECTIONS:-4}

[ -x "$SUBMIT" ] || { echo "bench-submit: build submit/postbulk-submit first" >&2; exit 1; }
lab_start || exit 1
SINK=$(lab_free_port)
lab_bg smtp-sink -u postfix -c 127.0.0.1:$SINK 1000 >"$LAB/log/sink.out" 2>&1
lab_wait_port "$SINK" 10 || { echo "smtp-sink did not start" >&2; exit 1; }
lab_postconf "relayhost = [127.0.0.1]:$SINK"
lab_reload
head -c 48 /dev/urandom >"$LAB/token.key"; chmod 600 "$LAB/token.key"
cat >"$LAB/pb.cf" <<EOT
token_key_file = $LAB/token.key
bounce_domain = bounces.lab.test
submit_server = 127.0.0.1:$LAB_SMTP_PORT
submit_state_directory = $LAB/state
submit_connections = $CONNS
EOT
export POSTBULK_CONFIG=$LAB/pb.cf

echo "bench-submit: generating $ROWS and $RSS_ROWS-row lists in $LAB" >&2
/usr/bin/python3 - "$LAB" "$ROWS" "$RSS_ROWS" <<'EOT'
import sys, random
lab, rows, rss_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(5)
doms = ["naver.com", "daum.net", "hanmail.net", "gmail.com", "nate.com"]
for path, n in ((lab + "/list.csv", rows), (lab + "/big.csv", rss_rows)):
    with open(path, "w") as f:
        f.write("email,name,login\n")
        for i in range(n):
            f.write("user%d@%s,이름%d,u%d\n" % (i, r.choice(doms), i, i))
# A 512-octet body, like smtp-source -l 512.
with open(lab + "/msg.txt", "w") as f:
    f.write("Subject: bench ${name}\n\n" + ("x" * 63 + "\n") * 8)
EOT

# queued_now: messages Postfix accepted so far (cleanup's log lines)
queued_now() { grep -c 'postfix/cleanup\[.*message-id=' "$LAB_MAILLOG"; }
lab_wait_queue_empty 60
base=$(queued_now)
t0=$EPOCHREALTIME
$SUBMIT campaign --name bench --from 'bench@shop.example' --message "$LAB/msg.txt" \
    --list "$LAB/list.csv" --no-progress >"$LAB/submit.out" 2>"$LAB/submit.err"
rc=$?
t1=$EPOCHREALTIME
cat "$LAB/submit.out" >&2
[ $rc = 0 ] || { echo "bench-submit: campaign failed ($rc)" >&2; cat "$LAB/submit.err" >&2; exit 1; }
got=$(( $(queued_now) - base ))
sub_us=$(( ${t1/./} - ${t0/./} ))
sub_mps=$(( got * 1000000 / sub_us ))
echo "bench-submit: postbulk-submit: $got messages in $((sub_us / 1000)) ms = $sub_mps msg/s" >&2

lab_wait_queue_empty 600 || echo "bench-submit: warning: queue not drained" >&2
base=$(queued_now)
t0=$EPOCHREALTIME
smtp-source -m "$ROWS" -s 10 -l 512 -f bulk@shop.example -t rcpt@naver.com 127.0.0.1:$LAB_SMTP_PORT
t1=$EPOCHREALTIME
got2=$(( $(queued_now) - base ))
src_us=$(( ${t1/./} - ${t0/./} ))
src_mps=$(( got2 * 1000000 / src_us ))
echo "bench-submit: smtp-source: $got2 messages in $((src_us / 1000)) ms = $src_mps msg/s" >&2

rss=$(/usr/bin/python3 - "$SUBMIT" "$LAB/big.csv" <<'EOT'
import resource, subprocess, sys
p = subprocess.run([sys.argv[1], "campaign", "--name", "rss", "--list", sys.argv[2],
                    "--dry-run", "--no-progress"], capture_output=True, text=True)
sys.stderr.write(p.stdout)
print("%.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0))
EOT
)
ratio=$(awk -v a="$sub_mps" -v b="$src_mps" 'BEGIN{printf "%.2f", b ? a / b : 0}')
echo "BENCH submit mps=$sub_mps smtp_source_mps=$src_mps ratio=$ratio rss_mb_1m=$rss"
