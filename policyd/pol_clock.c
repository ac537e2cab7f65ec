/*
 * NAME
 *	pol_clock 3 - policyd's clock, injectable for tests
 * DESCRIPTION
 *	See pol_clock.h. The fake clock keeps advancing at the real rate
 *	from the injected point, so that rate limits (which need time to
 *	pass) and day-based rules (which need days to pass) can both be
 *	tested against one running daemon.
 */

/* System library. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Project library. */
#include "buf.h"

/* Application-specific. */
#include "pol_clock.h"

static int clk_fake;			/* 0 real, 1 fixed start, 2 file */
static double clk_base;			/* fake time at clk_mono */
static double clk_mono;			/* monotonic time at clk_base */
static char *clk_file;
static char clk_last[64];		/* last file contents */

/* pol_clock_mono - seconds of CLOCK_MONOTONIC */

double  pol_clock_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* clk_parse - decimal epoch seconds */

static int clk_parse(const char *s, double *out)
{
    char   *end;
    double  v;

    errno = 0;
    v = strtod(s, &end);
    while (*end == ' ' || *end == '\n' || *end == '\t')
	end++;
    if (end == s || *end || errno || v < 0 || v > 1e11)
	return (-1);
    *out = v;
    return (0);
}

/* clk_read_file - apply the file's time when it changed */

static int clk_read_file(BUF *why)
{
    FILE   *fp;
    char    text[64];
    size_t  n;
    double  v;

    if ((fp = fopen(clk_file, "r")) == 0) {
	if (why)
	    buf_sprintf(why, "fake time file %s: %s", clk_file, strerror(errno));
	return (-1);
    }
    n = fread(text, 1, sizeof(text) - 1, fp);
    fclose(fp);
    text[n] = 0;
    if (strcmp(text, clk_last) == 0)
	return (0);
    if (clk_parse(text, &v) < 0) {
	if (why)
	    buf_sprintf(why, "fake time file %s: bad epoch time \"%.20s\"",
			clk_file, text);
	return (-1);
    }
    snprintf(clk_last, sizeof(clk_last), "%s", text);
    clk_base = v;
    clk_mono = pol_clock_mono();
    return (0);
}

/* pol_clock_init - real or fake clock */

int     pol_clock_init(const char *spec, BUF *why)
{
    free(clk_file);
    clk_file = 0;
    clk_last[0] = 0;
    clk_fake = 0;
    if (spec == 0 || *spec == 0)
	return (0);
    if (*spec == '/') {
	clk_file = strdup(spec);
	clk_fake = 2;
	return (clk_read_file(why));
    }
    if (clk_parse(spec, &clk_base) < 0) {
	buf_sprintf(why, "POSTBULK_FAKE_TIME: want epoch seconds or an "
		    "absolute file name, not \"%.40s\"", spec);
	return (-1);
    }
    clk_mono = pol_clock_mono();
    clk_fake = 1;
    return (0);
}

/* pol_clock_refresh - pick up a new fake time */

void    pol_clock_refresh(void)
{
    if (clk_fake == 2)
	(void) clk_read_file(0);
}

/* pol_clock_now - the time for every rule */

double  pol_clock_now(void)
{
    struct timespec ts;

    if (clk_fake)
	return (clk_base + (pol_clock_mono() - clk_mono));
    clock_gettime(CLOCK_REALTIME, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}
