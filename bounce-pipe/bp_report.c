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

/* bp_fold - ASCII lowercase, as strncasecmp() folds in the C locale */

static int bp_fold(unsigned char c)
{
    return ((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
}

/*
 * How common a byte is in the text of bounces, roughly (lower: rarer):
 * white space, frequent letters, digits and the punctuation of
 * addresses, codes and dates high; other punctuation low.
 */
static unsigned char bp_rank[256];

static void bp_rank_init(void)
{
    static const char letters[] = "zqjxkvbpygfwmucldrhsnioate";	/* rare first */
    int     i;

    for (i = 0; i < 256; i++)
	bp_rank[i] = (i >= 0x80) ? 16 : (i >= '0' && i <= '9') ? 50 : 8;
    bp_rank['.'] = bp_rank['-'] = bp_rank[':'] = bp_rank['/'] = 50;
    for (i = 0; letters[i]; i++)
	bp_rank[(unsigned char) letters[i]] = bp_rank[toupper((unsigned char) letters[i])] =
	    (unsigned char) (24 + i);
    bp_rank[' '] = bp_rank['\t'] = bp_rank['\n'] = bp_rank['\r'] = 64;
}

/*
 * bp_strcasestr - strcasestr() (ASCII case): glibc's two-way strcasestr()
 * spends more on its set-up than on the short texts searched here. The
 * candidates are the places of the needle's rarest byte (of its first
 * sixteen), found through strpbrk() in both cases, in text order: the
 * first that checks out is the leftmost match.
 */
char   *bp_strcasestr(const char *hay, const char *needle)
{
    size_t  n = strlen(needle), k = 0, i;
    const char *c;
    char    set[3];
    int     first;

    if (n == 0)
	return ((char *) hay);
    if (bp_rank[' '] == 0)
	bp_rank_init();
    for (i = 1; i < n && i < 16; i++)
	if (bp_rank[(unsigned char) needle[i]] < bp_rank[(unsigned char) needle[k]])
	    k = i;
    set[0] = (char) tolower((unsigned char) needle[k]);
    set[1] = (char) toupper((unsigned char) needle[k]);
    set[2] = 0;
    first = bp_fold((unsigned char) needle[0]);
    for (c = strpbrk(hay, set); c; c = strpbrk(c + 1, set))
	if ((size_t) (c - hay) >= k && bp_fold((unsigned char) *(c - k)) == first
	    && strncasecmp(c - k, needle, n) == 0)
	    return ((char *) (c - k));
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
