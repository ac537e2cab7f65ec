#ifndef PF_POL_CLOCK_H
#define PF_POL_CLOCK_H

/*
 * NAME
 *	pol_clock 3 - policyd's clock, injectable for tests
 * SYNOPSIS
 *	#include "pol_clock.h"
 *	int pol_clock_init(const char *spec, BUF *why);
 *	void pol_clock_refresh(void);
 *	double pol_clock_now(void);
 *	double pol_clock_mono(void);
 * DESCRIPTION
 *	pol_clock_now() is the time used by every rule (rates, days,
 *	warm-up, backoff, guard), in seconds since the epoch.
 *
 *	pol_clock_mono() is CLOCK_MONOTONIC in seconds, never fake: for
 *	cache ages and time slices.
 *
 *	pol_clock_init(spec) with spec NULL or "" uses the real clock.
 *	Otherwise (from $POSTBULK_FAKE_TIME) the clock is fake:
 *	"EPOCH" (decimal seconds) starts at that time and advances with
 *	real time; "/path" reads EPOCH from that file at start and in every
 *	pol_clock_refresh() (the daemon calls it once a second and on
 *	SIGHUP), so a test can jump days ahead by rewriting the file.
 *	A jump is applied once per change of the file's contents.
 * DIAGNOSTICS
 *	pol_clock_init returns -1 with a reason when spec cannot be used.
 */
#include "buf.h"

int     pol_clock_init(const char *, BUF *);
void    pol_clock_refresh(void);
double  pol_clock_now(void);
double  pol_clock_mono(void);

#endif
