/*
 * NAME
 *	addr_list 3 - addresses from an RFC 5322 address-list header value
 * SYNOPSIS
 *	#include "addr_list.h"
 * DESCRIPTION
 *	See addr_list.h. A small tokenizer, not a full RFC 5322 parser:
 *	it knows quoted strings, comments, angle brackets and groups,
 *	which is what sendmail -t needs from application-made headers.
 */

/* System library. */
#include <ctype.h>
#include <string.h>

/* Project library. */
#include "buf.h"

/* Application-specific. */
#include "addr_list.h"

/* sub_addr_emit - one list element to an address */

static int sub_addr_emit(BUF *elem, BUF *angle, int have_angle,
			         void (*fn) (const char *, void *), void *ctx)
{
    char   *s = buf_str(have_angle ? angle : elem);
    char   *e;

    while (isspace((unsigned char) *s))
	s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char) e[-1]))
	*--e = 0;
    if (*s == 0)
	return (0);
    fn(s, ctx);
    return (1);
}

/* sub_addr_list - split an address list */

int     sub_addr_list(const char *value, void (*fn) (const char *, void *), void *ctx)
{
    BUF    *elem = buf_alloc(128);
    BUF    *angle = buf_alloc(128);
    int     in_angle = 0;
    int     have_angle = 0;
    int     count = 0;
    const char *cp;

    for (cp = value; *cp; cp++) {
	if (*cp == '"') {			/* quoted string */
	    BUF    *dst = in_angle ? angle : elem;

	    buf_putc(dst, *cp);
	    for (cp++; *cp && *cp != '"'; cp++) {
		if (*cp == '\\' && cp[1])
		    buf_putc(dst, *cp++);
		buf_putc(dst, *cp);
	    }
	    if (*cp == 0)
		break;
	    buf_putc(dst, '"');
	} else if (*cp == '(') {		/* comment, nested */
	    int     depth = 1;

	    for (cp++; *cp && depth > 0; cp++) {
		if (*cp == '\\' && cp[1])
		    cp++;
		else if (*cp == '(')
		    depth++;
		else if (*cp == ')')
		    depth--;
	    }
	    cp--;
	    if (*cp == 0)
		break;
	} else if (*cp == '<' && !in_angle) {
	    in_angle = 1;
	    have_angle = 1;
	    buf_reset(angle);
	} else if (*cp == '>' && in_angle) {
	    in_angle = 0;
	} else if (in_angle) {
	    buf_putc(angle, *cp);
	} else if (*cp == ':') {		/* group name: drop it */
	    buf_reset(elem);
	} else if (*cp == ',' || *cp == ';') {
	    count += sub_addr_emit(elem, angle, have_angle, fn, ctx);
	    buf_reset(elem);
	    have_angle = 0;
	} else {
	    buf_putc(elem, *cp);
	}
    }
    count += sub_addr_emit(elem, angle, have_angle, fn, ctx);
    buf_free(elem);
    buf_free(angle);
    return (count);
}
