/*
 * NAME
 *	pol_rate 3 - token bucket (GCRA form) for message rates
 * DESCRIPTION
 *	See pol_rate.h. One double per bucket: no timer, no refill loop,
 *	O(1) per request, and the "retry in S s" hint falls out exactly.
 */

/* Application-specific. */
#include "pol_rate.h"

/* pol_rate_wait - seconds until one more message may pass */

double  pol_rate_wait(const POL_BUCKET *b, double now, long rate,
		              double period, long burst)
{
    double  interval;
    double  allow_at;

    if (rate <= 0)
	return (0);
    if (burst < 1)
	burst = 1;
    interval = period / rate;
    allow_at = b->tat - (burst - 1) * interval;
    /* Tiny tolerance: float rounding must not defer an on-time message. */
    return (now + 1e-9 >= allow_at ? 0 : allow_at - now);
}

/* pol_rate_burst - the per-minute bucket depth in use */

long    pol_rate_burst(long rate, long configured)
{
    if (configured > 0)
	return (configured);
    /* Automatic: one second's worth of the per-minute rate, at least 1. */
    return (rate / 60 > 1 ? rate / 60 : 1);
}

/* pol_rate_take - account one message */

void    pol_rate_take(POL_BUCKET *b, double now, long rate, double period,
		              long burst)
{
    if (rate <= 0)
	return;
    b->tat = (b->tat > now ? b->tat : now) + period / rate;
}

/* pol_rate_start - a bucket empty at t0, refilling from then on */

void    pol_rate_start(POL_BUCKET *b, double t0, long rate, double period,
		               long burst)
{
    if (rate <= 0)
	return;
    if (burst < 1)
	burst = 1;
    b->tat = t0 + (burst - 1) * (period / rate);
}
