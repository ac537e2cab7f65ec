#ifndef PF_BP_BOUNDS_H
#define PF_BP_BOUNDS_H

/*
 * NAME
 *	bp_bounds 3 - the stack of multipart boundaries, by GMime's rules
 * SYNOPSIS
 *	#include "bp_bounds.h"
 *	void bp_bounds_init(BP_BOUNDS *s);
 *	int bp_bounds_push(BP_BOUNDS *s, const char *b, size_t len);
 *	int bp_bounds_line(const BP_BOUNDS *s, const char *p,
 *			const char *next, int *closing);
 *	int bp_bounds_collide(const BP_BOUNDS *s, const char *b, size_t len);
 *	int bp_bounds_nested(const char *p, const char *end,
 *			const BP_BOUNDS *s);
 * DESCRIPTION
 *	The boundaries of the enclosing multiparts, outermost first, for
 *	the two line scans that stand in for GMime's parser (the pre-cut
 *	in bp_mime.c and bp_mimescan.c). s->n may be lowered to pop.
 *
 *	bp_bounds_push() adds a boundary; 0 when the stack is full or the
 *	boundary too long.
 *
 *	bp_bounds_line() tells what the line p..next (with its newline)
 *	is to GMime 3.2: "--" boundary, or "--" boundary "--", then white
 *	space only, innermost boundary first. Returns the level + 1 (1 is
 *	the outermost), 0 for no boundary line, -1 for a line that starts
 *	like one but is not (the callers leave such messages to GMime);
 *	*closing is set for "--B--".
 *
 *	bp_bounds_collide() tells whether a new boundary starts like one
 *	on the stack, or one there like it: GMime would read their lines
 *	its own way.
 *
 *	bp_bounds_nested() looks at the text p..end of a returned original
 *	that the scans skip: 1 when a "boundary=" there is empty, too long
 *	or collides with the stack (GMime would read the original's own
 *	multiparts with it, and their lines would not end the part where
 *	the scans end it), else 0.
 */
#include <stddef.h>

#define BP_BOUNDS_MAX	16		/* nested multiparts */
#define BP_BOUNDS_LEN	200		/* boundary length (RFC 2046: 70) */

typedef struct BP_BOUNDS {
    char    b[BP_BOUNDS_MAX][BP_BOUNDS_LEN + 1];
    size_t  len[BP_BOUNDS_MAX];
    int     n;
} BP_BOUNDS;

void    bp_bounds_init(BP_BOUNDS *);
int     bp_bounds_push(BP_BOUNDS *, const char *, size_t);
int     bp_bounds_line(const BP_BOUNDS *, const char *, const char *, int *);
int     bp_bounds_collide(const BP_BOUNDS *, const char *, size_t);
int     bp_bounds_nested(const char *, const char *, const BP_BOUNDS *);

#endif
