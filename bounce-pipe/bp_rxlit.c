/*
 * NAME
 *	bp_rxlit 3 - split a regex alternation, with a required literal each
 * SYNOPSIS
 *	See bp_rxlit.h.
 * DESCRIPTION
 *	A small scanner of PCRE2 syntax, enough to find where groups,
 *	classes, escapes and comments end, and which characters are
 *	plain literals. It errs one way only: a literal it reports is
 *	always required; anything it does not model ends a literal run
 *	or, when it could hide structure, makes the split fail (-1).
 *
 *	Inside an alternative, a run of literal characters at the
 *	alternative's own level (not inside a group) is required unless
 *	a quantifier makes its last character optional ("?", "*", "{0,"
 *	and every "{...}" to be safe): that character is dropped and the
 *	run ends there. A one-character class ("[ ]", "[.]") and an
 *	escaped punctuation character ("\.") are literals too.
 * DIAGNOSTICS
 *	See bp_rxlit.h.
 */
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include "mem.h"
#include "buf.h"

#include "bp_rxlit.h"

#define BP_RXLIT_MIN	2		/* shorter literals are not worth it */

/* bp_rxlit_space - skip white space and comments (extended syntax) */

static const char *bp_rxlit_space(const char *p, const char *end, int extended)
{
    while (extended && p < end) {
	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'
	    || *p == '\f' || *p == '\v') {
	    p++;
	} else if (*p == '#') {
	    while (p < end && *p != '\n')
		p++;
	} else
	    break;
    }
    return (p);
}

/*
 * bp_rxlit_escape - classify the escape at p ("\c"): the literal byte,
 * -2 for a non-literal item without arguments, -1 for unsupported.
 */
static int bp_rxlit_escape(const char *p, const char *end)
{
    unsigned char c;

    if (p + 1 >= end)
	return (-1);
    c = (unsigned char) p[1];
    if (c >= 0x80 || !isalnum(c))
	return (c);
    if (strchr("dDsSwWhHvVRbBAzZGKtnrfea", c) != 0)
	return (-2);
    return (-1);				/* \x \o \c \p \g \k \Q \N \1 ... */
}

/* bp_rxlit_class - skip "[...]" at p; *lit = its one character or -1 */

static const char *bp_rxlit_class(const char *p, const char *end, int *lit)
{
    const char *q = p + 1;
    int     n = 0, one = -1, e;

    *lit = -1;
    if (q < end && *q == '^') {
	n = 2;					/* negated: never a literal */
	q++;
    }
    if (q < end && *q == ']') {
	one = ']';
	n++;
	q++;
    }
    while (q < end && *q != ']') {
	if (*q == '\\') {
	    if ((e = bp_rxlit_escape(q, end)) == -1)
		return (0);
	    one = e;
	    n++;
	    q += 2;
	} else if (*q == '[' && q + 1 < end && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
	    const char *close = 0, *s;

	    for (s = q + 2; s + 1 < end; s++)
		if (*s == q[1] && s[1] == ']') {
		    close = s;
		    break;
		}
	    if (close == 0)
		return (0);
	    n += 2;
	    q = close + 2;
	} else {
	    one = (unsigned char) *q;
	    n++;
	    q++;
	}
    }
    if (q >= end)
	return (0);
    if (n == 1 && one >= 0)
	*lit = one;
    return (q + 1);
}

/* bp_rxlit_group - skip the group that starts at p, or NULL */

static const char *bp_rxlit_group(const char *p, const char *end, int extended)
{
    int     depth = 0, lit;

    while (p < end) {
	p = bp_rxlit_space(p, end, extended);
	if (p >= end)
	    break;
	switch (*p) {
	case '\\':
	    if (bp_rxlit_escape(p, end) == -1)
		return (0);
	    p += 2;
	    break;
	case '[':
	    if ((p = bp_rxlit_class(p, end, &lit)) == 0)
		return (0);
	    break;
	case '(':
	    if (p + 2 < end && p[1] == '?' && p[2] == '#') {
		/* (?#...) comment: ends at the first ")". */
		while (p < end && *p != ')')
		    p++;
		if (p >= end)
		    return (0);
		p++;
		break;
	    }
	    /* Inline options and named/numbered references change parsing. */
	    if (p + 2 < end && p[1] == '?'
		&& strchr(":>=!<|", p[2]) == 0)
		return (0);
	    if (p + 3 < end && p[1] == '?' && p[2] == '<' && p[3] != '=' && p[3] != '!')
		return (0);			/* named group */
	    if (p + 1 < end && p[1] == '*')
		return (0);			/* (*VERB) */
	    depth++;
	    p++;
	    break;
	case ')':
	    p++;
	    if (--depth == 0)
		return (p);
	    break;
	default:
	    p++;
	    break;
	}
	if (depth == 0)
	    return (0);				/* p was not at a group */
    }
    return (0);
}

/* bp_rxlit_quant - length of a "{n}", "{n,}", "{n,m}" quantifier at p */

static size_t bp_rxlit_quant(const char *p, const char *end)
{
    const char *q = p + 1;
    int     digits = 0;

    /* Digits, one comma, white space (PCRE2 10.43 allows it). */
    while (q < end && (isdigit((unsigned char) *q) || *q == ',' || *q == ' ' || *q == '\t')) {
	if (isdigit((unsigned char) *q))
	    digits++;
	q++;
    }
    if (digits == 0 || q >= end || *q != '}')
	return (0);
    return ((size_t) (q + 1 - p));
}

/* bp_rxlit_alt - one alternative: append it to the list */

static void bp_rxlit_add(BP_RXALT **alts, int *n, int *size, const char *start,
			         const char *stop, BUF *best, int extended)
{
    BP_RXALT *a;
    BUF    *src = buf_alloc((size_t) (stop - start) + 8);

    if (*n == *size) {
	*size = *size ? *size * 2 : 32;
	*alts = xrealloc(*alts, (size_t) *size * sizeof(**alts));
    }
    a = *alts + (*n)++;
    buf_puts(src, "(?:");
    buf_append(src, start, (size_t) (stop - start));
    buf_puts(src, extended ? "\n)" : ")");
    a->src = xstrdup(buf_str(src));
    a->lit = buf_len(best) >= BP_RXLIT_MIN ? xstrdup(buf_str(best)) : 0;
    buf_free(src);
}

/* bp_rxlit_split - see bp_rxlit.h */

int     bp_rxlit_split(const char *pat, int extended, BP_RXALT **alts)
{
    const char *end = pat + strlen(pat), *p, *q, *start;
    BUF    *cur = buf_alloc(64), *best = buf_alloc(64);
    int     n = 0, size = 0, last_lit = 0, lit, e;
    size_t  ql;

    *alts = 0;
    /* One group around everything: its alternatives are the pattern's. */
    p = bp_rxlit_space(pat, end, extended);
    if (*p == '(' && (q = bp_rxlit_group(p, end, extended)) != 0
	&& bp_rxlit_space(q, end, extended) == end
	&& (p[1] != '?' || p[2] == ':' || p[2] == '>')) {
	end = q - 1;
	p += (p[1] == '?') ? 3 : 1;
    } else
	p = pat;

#define BP_RUN_END() do { \
	if (buf_len(cur) > buf_len(best)) { \
	    buf_reset(best); \
	    buf_append(best, buf_str(cur), buf_len(cur)); \
	} \
	buf_reset(cur); \
	last_lit = 0; \
    } while (0)

#define BP_FAIL() do { \
	buf_free(cur); \
	buf_free(best); \
	bp_rxlit_free(*alts, n); \
	*alts = 0; \
	return (-1); \
    } while (0)

    start = p;
    while (1) {
	p = bp_rxlit_space(p, end, extended);
	if (p >= end || *p == '|') {
	    BP_RUN_END();
	    bp_rxlit_add(alts, &n, &size, start, p < end ? p : end, best, extended);
	    buf_reset(best);
	    if (p >= end)
		break;
	    start = ++p;
	    continue;
	}
	switch (*p) {
	case '(':
	    if ((q = bp_rxlit_group(p, end, extended)) == 0)
		BP_FAIL();
	    BP_RUN_END();
	    p = q;
	    break;
	case ')':
	    BP_FAIL();
	case '[':
	    if ((q = bp_rxlit_class(p, end, &lit)) == 0)
		BP_FAIL();
	    if (lit >= 0) {
		buf_putc(cur, tolower(lit));
		last_lit = 1;
	    } else
		BP_RUN_END();
	    p = q;
	    break;
	case '\\':
	    if ((e = bp_rxlit_escape(p, end)) == -1)
		BP_FAIL();
	    if (e >= 0) {
		buf_putc(cur, tolower(e));
		last_lit = 1;
	    } else
		BP_RUN_END();
	    p += 2;
	    break;
	case '?':
	case '*':
	case '{':
	    /* The last literal may be absent: drop it, end the run. */
	    if (last_lit)
		buf_truncate(cur, buf_len(cur) - 1);
	    BP_RUN_END();
	    if (*p == '{' && (ql = bp_rxlit_quant(p, end)) != 0)
		p += ql;
	    else
		p++;
	    if (p < end && (*p == '?' || *p == '+'))
		p++;
	    break;
	case '+':
	    BP_RUN_END();
	    p++;
	    if (p < end && (*p == '?' || *p == '+'))
		p++;
	    break;
	case '.':
	case '^':
	case '$':
	    BP_RUN_END();
	    p++;
	    break;
	default:
	    buf_putc(cur, tolower((unsigned char) *p));
	    last_lit = 1;
	    p++;
	    break;
	}
    }
    buf_free(cur);
    buf_free(best);
    return (n);
}

/* bp_rxlit_free - destroy */

void    bp_rxlit_free(BP_RXALT *alts, int n)
{
    int     i;

    for (i = 0; i < n; i++) {
	free(alts[i].src);
	free(alts[i].lit);
    }
    free(alts);
}
