/*
 * NAME
 *	mlt_ids 3 - postbulk message ids and scheduled times
 * DESCRIPTION
 *	See mlt_ids.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlt_ids.h"

static const char mlt_b32[] = "0123456789abcdefghjkmnpqrstvwxyz";
static unsigned long mlt_counter;

/* mlt_b32_put - n base32 digits of v, most significant first */

static void mlt_b32_put(char *out, unsigned long long v, int n)
{
    while (n-- > 0) {
	out[n] = mlt_b32[v & 31];
	v >>= 5;
    }
}

/* mlt_msgid_new - time + pid + counter */

void    mlt_msgid_new(char *buf, size_t len)
{
    unsigned long count = __atomic_fetch_add(&mlt_counter, 1, __ATOMIC_RELAXED);

    if (len < MLT_MSGID_LEN + 1) {
	if (len > 0)
	    buf[0] = 0;
	return;
    }
    mlt_b32_put(buf, (unsigned long long) time((time_t *) 0), 7);
    mlt_b32_put(buf + 7, (unsigned long long) getpid(), 5);
    mlt_b32_put(buf + 12, (unsigned long long) count, 5);
    buf[MLT_MSGID_LEN] = 0;
}

/* mlt_digits - read exactly n digits */

static int mlt_digits(const char **cpp, int n, int *val)
{
    int     v = 0;

    while (n-- > 0) {
	if (**cpp < '0' || **cpp > '9')
	    return (-1);
	v = v * 10 + (*(*cpp)++ - '0');
    }
    *val = v;
    return (0);
}

/* mlt_parse_time - ISO 8601 date and time */

int     mlt_parse_time(const char *text, time_t *when)
{
    const char *cp = text;
    struct tm tm;
    int     y, mo, d, h, mi, s = 0, zh = 0, zm = 0, sign = 0;
    time_t  t;

    while (*cp == ' ' || *cp == '\t')
	cp++;
    if (mlt_digits(&cp, 4, &y) < 0 || *cp++ != '-'
	|| mlt_digits(&cp, 2, &mo) < 0 || *cp++ != '-'
	|| mlt_digits(&cp, 2, &d) < 0 || (*cp != 'T' && *cp != 't' && *cp != ' '))
	return (-1);
    cp++;
    if (mlt_digits(&cp, 2, &h) < 0 || *cp++ != ':' || mlt_digits(&cp, 2, &mi) < 0)
	return (-1);
    if (*cp == ':') {
	cp++;
	if (mlt_digits(&cp, 2, &s) < 0)
	    return (-1);
	if (*cp == '.' || *cp == ',') {		/* fractions are ignored */
	    cp++;
	    while (*cp >= '0' && *cp <= '9')
		cp++;
	}
    }
    if (*cp == 'Z' || *cp == 'z') {
	cp++;
    } else if (*cp == '+' || *cp == '-') {
	sign = (*cp++ == '-') ? -1 : 1;
	if (mlt_digits(&cp, 2, &zh) < 0)
	    return (-1);
	if (*cp == ':')
	    cp++;
	if (mlt_digits(&cp, 2, &zm) < 0)
	    return (-1);
    }
    while (*cp == ' ' || *cp == '\t' || *cp == '\r' || *cp == '\n')
	cp++;
    if (*cp != 0)
	return (-1);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60
	|| zh > 23 || zm > 59 || y < 1970)
	return (-1);
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    if ((t = timegm(&tm)) == (time_t) -1)
	return (-1);
    *when = t - sign * (zh * 3600 + zm * 60);
    return (0);
}
