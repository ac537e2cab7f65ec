/*
 * NAME
 *	retry 3 - when a campaign row or connection tries again
 * SYNOPSIS
 *	#include "retry.h"
 * DESCRIPTION
 *	See retry.h. Two incidents shaped this file (end-to-end run,
 *	2026-11):
 *
 *	Retry herd: policyd defers every row of a rate-limited group with
 *	the same "retry in S s"; rows that all wake at the same instant
 *	hit the limiter together, one wins and the rest wait another S
 *	seconds, so a group allowed 10/s was sent at about 1/s. A spread
 *	over the hint lets the limiter pass them one by one.
 *
 *	Stall after a milter crash: Postfix answered every MAIL with 451
 *	while the milter was down and the workers retried on the same
 *	sessions without pause (143,044 retries). A troubled session is
 *	now closed and reopened after a bounded exponential pause; the
 *	jitter keeps the workers from reconnecting in lock step.
 */

/* System library. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Application-specific. */
#include "retry.h"

/* sub_retry_seed - per-caller random state */

void    sub_retry_seed(unsigned short rng[3], unsigned long salt)
{
    struct timespec ts;
    unsigned long v;

    clock_gettime(CLOCK_REALTIME, &ts);
    v = (unsigned long) ts.tv_nsec ^ ((unsigned long) ts.tv_sec << 20)
	^ ((unsigned long) getpid() << 8) ^ (salt * 0x9E3779B97F4A7C15UL);
    rng[0] = (unsigned short) (v ^ 0x330E);
    rng[1] = (unsigned short) (v >> 16);
    rng[2] = (unsigned short) ((v >> 32) ^ (v >> 48));
}

/* sub_retry_jitter - hint plus a random spread */

double  sub_retry_jitter(double hint, unsigned short rng[3])
{
    double  spread;

    if (hint < 0)
	hint = 0;
    spread = hint * SUB_RETRY_SPREAD_FRAC;
    if (spread < SUB_RETRY_SPREAD_MIN)
	spread = SUB_RETRY_SPREAD_MIN;
    if (spread > SUB_RETRY_SPREAD_MAX)
	spread = SUB_RETRY_SPREAD_MAX;
    return (hint + spread * erand48(rng));
}

/* sub_retry_backoff - bounded exponential pause with equal jitter */

double  sub_retry_backoff(int n, unsigned short rng[3])
{
    double  d = SUB_BACKOFF_BASE;

    while (n-- > 0 && d < SUB_BACKOFF_MAX)
	d *= 2;
    if (d > SUB_BACKOFF_MAX)
	d = SUB_BACKOFF_MAX;
    return (d / 2 + (d / 2) * erand48(rng));
}
