/*
 * NAME
 *	pol_addr 3 - addr_normalize() with a fast path for ASCII domains
 * DESCRIPTION
 *	See pol_addr.h. The steps mirror addr_normalize() in common/addr.c
 *	(trim, strip <>, last "@", one trailing dot, tag, lowercase domain,
 *	addr_check_syntax); keep them in step with it.
 */

/* System library. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Project library. */
#include "buf.h"
#include "addr.h"

/* Application-specific. */
#include "pol_addr.h"

/* pol_addr_key - storage key of an address */

int     pol_addr_key(const char *in, int flags, BUF *out, BUF *why)
{
    const char *start = in;
    const char *end;
    const char *at;
    const char *dom;
    const char *dend;
    size_t  llen;
    size_t  keep;

    while (isspace((unsigned char) *start))
	start++;
    end = start + strlen(start);
    while (end > start && isspace((unsigned char) end[-1]))
	end--;
    if (end - start >= 2 && *start == '<' && end[-1] == '>') {
	start++;
	end--;
    }
    if (end - start > 512)
	return (addr_normalize(in, flags, out, why));
    for (at = end; at > start && at[-1] != '@'; at--)
	 /* void */ ;
    if (at == start || at - 1 == start)		/* no "@", or "@domain" */
	return (addr_normalize(in, flags, out, why));
    at--;
    dom = at + 1;
    dend = end;
    if (dend > dom && dend[-1] == '.')
	dend--;
    if (dend == dom || dend - dom > 253)
	return (addr_normalize(in, flags, out, why));
    for (const char *cp = dom; cp < dend; cp++) {
	unsigned char c = (unsigned char) *cp;

	if (!(isalnum(c) && c < 0x80) && c != '-' && c != '.')
	    return (addr_normalize(in, flags, out, why));
	/*
	 * An A-label must be checked by libidn2, and so must hyphens that
	 * IDNA2008 forbids (label start or end, "--" in positions 3-4).
	 */
	if (c == '-' && (cp == dom || cp[-1] == '.' || cp + 1 == dend
			 || cp[1] == '.' || cp[1] == '-'))
	    return (addr_normalize(in, flags, out, why));
	if ((cp == dom || cp[-1] == '.') && dend - cp >= 4
	    && strncasecmp(cp, "xn--", 4) == 0)
	    return (addr_normalize(in, flags, out, why));
    }
    llen = (size_t) (at - start);
    keep = llen;
    if ((flags & ADDR_STRIP_TAG) && *start != '"') {
	const char *plus = memchr(start, '+', llen);

	if (plus && plus > start)
	    keep = (size_t) (plus - start);
    }
    buf_reset(out);
    for (size_t i = 0; i < keep; i++) {
	int     c = (unsigned char) start[i];

	buf_putc(out, (flags & ADDR_FOLD_LOCAL) && c < 0x80 ? tolower(c) : c);
    }
    buf_putc(out, '@');
    for (const char *cp = dom; cp < dend; cp++)
	buf_putc(out, tolower((unsigned char) *cp));
    return (addr_check_syntax(buf_str(out), why));
}
