/*
 * NAME
 *	bp_bounds 3 - the stack of multipart boundaries, by GMime's rules
 * DESCRIPTION
 *	See bp_bounds.h. The rules were read off GMime 3.2.13 itself: a
 *	line "--B--x" or "--B-" is content to it, "--B  " or "--B--\t" a
 *	boundary line.
 */
#include <string.h>

#include "bp_bounds.h"

/* bp_bounds_init - empty stack */

void    bp_bounds_init(BP_BOUNDS *s)
{
    s->n = 0;
}

/* bp_bounds_push - one more boundary; 0 when full or too long */

int     bp_bounds_push(BP_BOUNDS *s, const char *b, size_t len)
{
    if (s->n == BP_BOUNDS_MAX || len > BP_BOUNDS_LEN)
	return (0);
    memcpy(s->b[s->n], b, len);
    s->b[s->n][len] = 0;
    s->len[s->n++] = len;
    return (1);
}

/* bp_bounds_line - what a line is to GMime: level + 1, 0, or -1 */

int     bp_bounds_line(const BP_BOUNDS *s, const char *p, const char *next, int *closing)
{
    const char *r;
    int     i;

    *closing = 0;
    if (next - p < 3 || p[0] != '-' || p[1] != '-')
	return (0);
    for (i = s->n - 1; i >= 0; i--) {
	if ((size_t) (next - p - 2) < s->len[i] || memcmp(p + 2, s->b[i], s->len[i]) != 0)
	    continue;
	r = p + 2 + s->len[i];
	if (next - r >= 2 && r[0] == '-' && r[1] == '-') {
	    *closing = 1;
	    r += 2;
	}
	while (r < next && (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n'))
	    r++;
	return (r == next ? i + 1 : -1);
    }
    return (0);
}

/* bp_bounds_collide - a boundary that starts like one on the stack */

int     bp_bounds_collide(const BP_BOUNDS *s, const char *b, size_t len)
{
    int     i;

    for (i = 0; i < s->n; i++)
	if (memcmp(b, s->b[i], len < s->len[i] ? len : s->len[i]) == 0)
	    return (1);
    return (0);
}

/*
 * bp_bounds_nested - a "boundary=" in a skipped original that starts like an
 * enclosing boundary: GMime would read the original's multiparts with
 * it, and their lines would not end the part where the scan ends it.
 */
int     bp_bounds_nested(const char *p, const char *end, const BP_BOUNDS *st)
{
    const char *b, *v;
    size_t  n;

    while (p < end && (b = memmem(p, (size_t) (end - p), "oundary=", 8)) != 0) {
	v = b + 8;
	if (v < end && *v == '"')
	    v++;
	for (n = 0; v + n < end && v[n] != '"' && v[n] != ';' && v[n] != '\r'
	     && v[n] != '\n' && v[n] != ' ' && v[n] != '\t'; n++)
	     /* void */ ;
	if (n == 0 || n > BP_BOUNDS_LEN || bp_bounds_collide(st, v, n))
	    return (1);
	p = v + n;
    }
    return (0);
}
