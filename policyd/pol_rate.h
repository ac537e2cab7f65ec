#ifndef PF_POL_RATE_H
#define PF_POL_RATE_H

/*
 * NAME
 *	pol_rate 3 - token bucket (GCRA form) for message rates
 * SYNOPSIS
 *	#include "pol_rate.h"
 *	double pol_rate_wait(const POL_BUCKET *b, double now, long rate,
 *			     double period, long burst);
 *	void pol_rate_take(POL_BUCKET *b, double now, long rate,
 *			   double period, long burst);
 *	void pol_rate_start(POL_BUCKET *b, double t0, long rate,
 *			    double period, long burst);
 *	long pol_rate_burst(long rate, long configured);
 * DESCRIPTION
 *	A bucket of depth burst that refills with rate tokens per period
 *	seconds, kept as one number: the theoretical arrival time (TAT) of
 *	the next message under a perfectly even rate (the generic cell rate
 *	algorithm). With burst 1 messages are spaced period/rate apart, so
 *	any window of period seconds holds at most rate + 1 of them; with
 *	burst B at most rate + B.
 *
 *	pol_rate_wait() is 0 when one message may pass now, else the
 *	seconds until it may. pol_rate_take() counts one message; it is
 *	called only after every limit said yes, so a deferred recipient
 *	costs no tokens. rate <= 0 means no limit.
 *
 *	pol_rate_start() sets a bucket empty at time t0 (one message may
 *	pass then, the next one period/rate later), refilling from there.
 *	A policy server that starts does not know what the process before
 *	it let through in the last period (killed and restarted, say): a
 *	full bucket at start would grant a second burst within the same
 *	period, beyond the provider's limit.
 *
 *	pol_rate_burst() is the per-minute bucket depth: configured when
 *	above 0 (policyd_rate_burst), else automatic, one second's worth
 *	of the per-minute rate (rate / 60), at least 1. Clients retry a
 *	deferred recipient after a whole number of seconds, all at about
 *	the same moment; a bucket that holds one second of tokens lets
 *	that many of them through, where depth 1 lets one per second.
 */

typedef struct POL_BUCKET {
    double  tat;			/* theoretical arrival time */
} POL_BUCKET;

double  pol_rate_wait(const POL_BUCKET *, double, long, double, long);
void    pol_rate_take(POL_BUCKET *, double, long, double, long);
void    pol_rate_start(POL_BUCKET *, double, long, double, long);
long    pol_rate_burst(long, long);

#endif
