#ifndef PF_PROGRESS_H
#define PF_PROGRESS_H

/*
 * NAME
 *	progress 3 - one-line progress bar on a terminal
 * SYNOPSIS
 *	#include "progress.h"
 *	void sub_progress_draw(int final, long done, long total_est,
 *			       double elapsed, const char *counts);
 * DESCRIPTION
 *	Draws "[#####.....] done/total pct rate/s ETA m:ss counts" on
 *	stderr with a carriage return, only when stderr is a terminal
 *	(campaign.c decides); final ends the line. total_est <= 0 means
 *	unknown (no bar, no ETA).
 */

void    sub_progress_draw(int, long, long, double, const char *);

#endif
