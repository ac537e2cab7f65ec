#ifndef PF_TYPO_H
#define PF_TYPO_H

/*
 * NAME
 *	typo 3 - clean up and fix mistyped e-mail addresses
 * SYNOPSIS
 *	#include "typo.h"
 *	int sub_typo_fix(const char *in, int mode, BUF *out, BUF *change);
 *	int sub_typo_known(const char *domain);
 * DESCRIPTION
 *	sub_typo_fix() always trims white space (ASCII, NBSP, U+3000,
 *	zero-width, BOM) and lowercases the domain; the domain's IDN
 *	form is left to addr_normalize(). With mode SUB_TYPO_FIX it
 *	then applies, in order, and describes each step in change
 *	("; "-separated):
 *	.IP \(bu
 *	"mailto:", "<...>" and "Name <...>" wrappers removed;
 *	.IP \(bu
 *	full-width ASCII (U+FF01..U+FF5E) and "。" converted;
 *	.IP \(bu
 *	Hangul typed with the keyboard in 한글 mode mapped back through
 *	the 2-set layout, when the domain then is a known one (or the
 *	domain was already a known ASCII domain and only the local part
 *	was Hangul);
 *	.IP \(bu
 *	white space around "@", "@@", "," in the domain, "..", a
 *	trailing dot;
 *	.IP \(bu
 *	the domain: first the curated table of known misspellings, then
 *	the known-domain list by edit distance (optimal string alignment,
 *	transposition = 1) <= 2 (<= 1 for domains under 7 octets), only
 *	when exactly one known domain is nearest and the domain itself is
 *	not a known real domain.
 *	.PP
 *	With SUB_TYPO_REPORT out is only trimmed and change says what
 *	would have been fixed; SUB_TYPO_OFF only trims. Returns 1 when
 *	change is not empty, else 0.
 *
 *	sub_typo_known() says whether a domain is a known real domain.
 */
#include "buf.h"

#define SUB_TYPO_OFF	0
#define SUB_TYPO_REPORT	1
#define SUB_TYPO_FIX	2

int     sub_typo_fix(const char *, int, BUF *, BUF *);
int     sub_typo_known(const char *);

#endif
