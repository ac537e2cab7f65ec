/*
 * NAME
 *	retry_test 1 - check the retry spread and the back-off bounds
 * SYNOPSIS
 *	submit/retry_test
 * DESCRIPTION
 *	Draws from sub_retry_jitter() and sub_retry_backoff() and prints
 *	one "ok - ..." or "not ok - ..." line per property:
 *	every delay within its bounds, and deferred rows of one group
 *	(same hint) spread over the interval instead of one instant
 *	(at least 8 of 10 buckets used by 200 rows, no bucket above
 *	twice its fair share). Exit 1 when a property fails.
 * DIAGNOSTICS
 *	The failing value is printed on the "not ok" line.
 */

/* System library. */
#include <stdio.h>

/* Application-specific. */
#include "retry.h"

static int fails;

/* check - one TAP-like line */

static void check(int cond, const char *what, double got)
{
    printf("%sok - %s%s", cond ? "" : "not ", what, cond ? "\n" : "");
    if (!cond) {
	printf(" (got %.3f)\n", got);
	fails++;
    }
}

/* spread - draws of one hint: bounds and distribution */

static void spread(double hint, double lo, double hi, unsigned short rng[3])
{
    int     bucket[10] = {0};
    double  min = 1e9, max = -1;
    int     used = 0, top = 0;
    char    what[160];

    for (int i = 0; i < 200; i++) {
	double  d = sub_retry_jitter(hint, rng);
	int     b = (int) ((d - lo) / (hi - lo) * 10);

	if (d < min)
	    min = d;
	if (d > max)
	    max = d;
	if (b >= 0 && b < 10)
	    bucket[b]++;
    }
    for (int b = 0; b < 10; b++) {
	used += bucket[b] > 0;
	if (bucket[b] > top)
	    top = bucket[b];
    }
    snprintf(what, sizeof(what), "hint %gs: every retry in [%g, %g)", hint, lo, hi);
    check(min >= lo && max < hi, what, min < lo ? min : max);
    snprintf(what, sizeof(what), "hint %gs: 200 rows spread over >= 8 of 10 buckets", hint);
    check(used >= 8, what, used);
    snprintf(what, sizeof(what), "hint %gs: no bucket holds more than 40 of 200 rows", hint);
    check(top <= 40, what, top);
}

int     main(void)
{
    unsigned short rng[3], other[3];
    double  d, prev = 0;
    int     differ = 0;

    sub_retry_seed(rng, 1);
    sub_retry_seed(other, 2);
    for (int i = 0; i < 10; i++)
	differ += sub_retry_jitter(1, rng) != sub_retry_jitter(1, other);
    check(differ >= 9, "two workers draw different delays", differ);

    spread(1, 1, 2, rng);			/* small hint: 1 s spread */
    spread(30, 30, 36, rng);			/* 20% of the hint */
    spread(600, 600, 660, rng);			/* spread capped at 60 s */
    spread(0, 0, 1, rng);			/* no hint given */

    for (int n = 0; n < 12; n++) {
	double  cap = SUB_BACKOFF_BASE;
	char    what[120];
	double  lo = 1e9, hi = 0;

	for (int k = 0; k < n && cap < SUB_BACKOFF_MAX; k++)
	    cap *= 2;
	if (cap > SUB_BACKOFF_MAX)
	    cap = SUB_BACKOFF_MAX;
	for (int i = 0; i < 100; i++) {
	    d = sub_retry_backoff(n, rng);
	    if (d < lo)
		lo = d;
	    if (d > hi)
		hi = d;
	}
	snprintf(what, sizeof(what), "back-off %d: within [%.2f, %.2f] s", n, cap / 2, cap);
	check(lo >= cap / 2 && hi <= cap, what, lo < cap / 2 ? lo : hi);
	if (n > 0 && cap < SUB_BACKOFF_MAX) {
	    snprintf(what, sizeof(what), "back-off %d: every pause >= the longest of back-off %d",
		     n, n - 1);
	    check(lo >= prev, what, lo);
	}
	prev = hi;
    }
    check(sub_retry_backoff(1000, rng) <= SUB_BACKOFF_MAX, "back-off never exceeds 5 s",
	  sub_retry_backoff(1000, rng));
    return (fails != 0);
}
