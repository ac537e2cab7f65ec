/*
 * NAME
 *	bp_report 3 - what one returned message says, per recipient
 * DESCRIPTION
 *	See bp_report.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "mem.h"
#include "buf.h"

#include "bp_report.h"

#define BP_REPORT_MAX	1000		/* recipients per message, at most */

/*
 * bp_strcasestr - strcasestr() (ASCII case), found through strpbrk() on
 * the needle's first letter in both cases: glibc's two-way strcasestr()
 * spends more on its set-up than on the short texts searched here.
 */
char   *bp_strcasestr(const char *hay, const char *needle)
{
    size_t  n = strlen(needle);
    char    first[3];

    if (n == 0)
	return ((char *) hay);
    first[0] = (char) tolower((unsigned char) needle[0]);
    first[1] = (char) toupper((unsigned char) needle[0]);
    first[2] = 0;
    for (hay = strpbrk(hay, first); hay; hay = strpbrk(hay + 1, first))
	if (strncasecmp(hay, needle, n) == 0)
	    return ((char *) hay);
    return (0);
}

/* bp_strlcpy - bounded copy that always terminates */

void    bp_strlcpy(char *dst, const char *src, size_t len)
{
    size_t  n = strlen(src);

    if (len == 0)
	return;
    if (n >= len)
	n = len - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* bp_report_alloc - empty report */

BP_REPORT *bp_report_alloc(void)
{
    BP_REPORT *rep = xcalloc(1, sizeof(*rep));

    rep->orig_msgid = buf_alloc(64);
    rep->orig_queueid = buf_alloc(16);
    rep->orig_from = buf_alloc(64);
    return (rep);
}

/* bp_report_find - recipient already listed? (case-insensitive) */

BP_RCPT *bp_report_find(BP_REPORT *rep, const char *addr)
{
    int     i;

    for (i = 0; i < rep->nrcpt; i++)
	if (strcasecmp(buf_str(rep->rcpt[i].addr), addr) == 0)
	    return (rep->rcpt + i);
    return (0);
}

/* bp_report_add - append a recipient, or NULL past the limit */

BP_RCPT *bp_report_add(BP_REPORT *rep, const char *addr)
{
    BP_RCPT *r;

    if (rep->nrcpt >= BP_REPORT_MAX)
	return (0);
    if (rep->nrcpt == rep->size) {
	rep->size = rep->size ? rep->size * 2 : 4;
	rep->rcpt = xrealloc(rep->rcpt, rep->size * sizeof(*rep->rcpt));
    }
    r = rep->rcpt + rep->nrcpt++;
    memset(r, 0, sizeof(*r));
    r->addr = buf_alloc(64);
    buf_puts(r->addr, addr);
    r->diag = buf_alloc(256);
    r->rhost = buf_alloc(64);
    return (r);
}

/* bp_report_free - destroy */

void    bp_report_free(BP_REPORT *rep)
{
    int     i;

    if (rep == 0)
	return;
    for (i = 0; i < rep->nrcpt; i++) {
	buf_free(rep->rcpt[i].addr);
	buf_free(rep->rcpt[i].diag);
	buf_free(rep->rcpt[i].rhost);
    }
    free(rep->rcpt);
    buf_free(rep->orig_msgid);
    buf_free(rep->orig_queueid);
    buf_free(rep->orig_from);
    free(rep);
}
