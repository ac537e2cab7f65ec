#ifndef PF_SUB_RETRY_H
#define PF_SUB_RETRY_H

/*
 * NAME
 *	retry 3 - when a campaign row or connection tries again
 * SYNOPSIS
 *	#include "retry.h"
 *	void sub_retry_seed(unsigned short rng[3], unsigned long salt);
 *	double sub_retry_jitter(double hint, unsigned short rng[3]);
 *	double sub_retry_backoff(int n, unsigned short rng[3]);
 * DESCRIPTION
 *	sub_retry_seed() seeds a caller-owned erand48(3) state from the
 *	process id, the clock and salt (e.g. a worker number), so that
 *	threads and concurrent campaigns draw different numbers.
 *
 *	sub_retry_jitter() returns the delay before a deferred row is
 *	tried again: hint seconds (policyd's "retry in S s") plus a
 *	uniform random spread of SUB_RETRY_SPREAD_FRAC of the hint, at
 *	least SUB_RETRY_SPREAD_MIN and at most SUB_RETRY_SPREAD_MAX
 *	seconds. Never less than hint.
 *
 *	sub_retry_backoff() returns the pause before the n-th (from 0)
 *	reconnection of a troubled session: SUB_BACKOFF_BASE doubling
 *	up to SUB_BACKOFF_MAX, with "equal jitter" (between half and
 *	all of that), so always in [SUB_BACKOFF_BASE/2, SUB_BACKOFF_MAX].
 * DIAGNOSTICS
 *	None; the functions are pure arithmetic on the caller's state.
 */

#define SUB_RETRY_SPREAD_FRAC	0.2
#define SUB_RETRY_SPREAD_MIN	1.0
#define SUB_RETRY_SPREAD_MAX	60.0
#define SUB_BACKOFF_BASE	0.2
#define SUB_BACKOFF_MAX		5.0

void    sub_retry_seed(unsigned short[3], unsigned long);
double  sub_retry_jitter(double, unsigned short[3]);
double  sub_retry_backoff(int, unsigned short[3]);

#endif
