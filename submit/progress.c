/*
 * NAME
 *	progress 3 - one-line progress bar on a terminal
 * SYNOPSIS
 *	#include "progress.h"
 * DESCRIPTION
 *	See progress.h. The total is an estimate while the list is
 *	being read (rows so far scaled by octets read / file size), so
 *	the list never has to be read twice.
 */

/* System library. */
#include <stdio.h>

/* Application-specific. */
#include "progress.h"

/* sub_progress_draw - one frame */

void    sub_progress_draw(int final, long done, long total, double elapsed,
			          const char *counts)
{
    char    bar[23];
    double  rate = elapsed > 0.05 ? done / elapsed : 0;

    if (total > 0) {
	int     fill = (int) (20.0 * (done > total ? total : done) / total);

	bar[0] = '[';
	for (int i = 0; i < 20; i++)
	    bar[i + 1] = i < fill ? '#' : '.';
	bar[21] = ']';
	bar[22] = 0;
	if (rate > 0 && total > done) {
	    long    eta = (long) ((total - done) / rate);

	    fprintf(stderr, "\r%s %ld/%ld %3d%% %.0f/s ETA %ld:%02ld %s\033[K", bar,
		    done, total, (int) (100.0 * done / total), rate, eta / 60,
		    eta % 60, counts);
	} else {
	    fprintf(stderr, "\r%s %ld/%ld %3d%% %.0f/s %s\033[K", bar, done, total,
		    (int) (100.0 * (done > total ? total : done) / total), rate, counts);
	}
    } else {
	fprintf(stderr, "\r%ld %.0f/s %s\033[K", done, rate, counts);
    }
    if (final)
	fputc('\n', stderr);
    fflush(stderr);
}
