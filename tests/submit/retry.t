#!/bin/bash
# retry.t - unit test of the retry spread and the reconnect back-off (retry.c)
# timeout: 10
#
# submit/retry_test draws delays from sub_retry_jitter() and
# sub_retry_backoff() and prints one ok/not ok line per property (bounds,
# spread of one group's retries over the interval, growth and 5 s cap of
# the back-off). The lab side of the same behaviour is in backoff.t.
top=${POSTBULK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -x "$top/submit/retry_test" ] || { echo "not ok - submit/retry_test is built (make)"; exit 1; }
"$top/submit/retry_test"
