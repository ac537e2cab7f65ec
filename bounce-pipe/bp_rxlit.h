#ifndef PF_BP_RXLIT_H
#define PF_BP_RXLIT_H

/*
 * NAME
 *	bp_rxlit 3 - split a regex alternation, with a required literal each
 * SYNOPSIS
 *	#include "bp_rxlit.h"
 *	int bp_rxlit_split(const char *pattern, int extended,
 *			BP_RXALT **alts);
 *	void bp_rxlit_free(BP_RXALT *alts, int n);
 * DESCRIPTION
 *	bp_rxlit_split() takes a PCRE2 pattern apart into its top-level
 *	alternatives (looking through one group that encloses the whole
 *	pattern) and finds for each a literal string that every match of
 *	that alternative contains: the longest run of plain characters
 *	outside groups, lowercased (the pattern is matched caselessly
 *	against ASCII-lowercased text, without PCRE2_UTF).
 *
 *	A text matches the pattern somewhere exactly when it matches one
 *	of the alternatives somewhere, and an alternative can only match
 *	a text that contains its literal: a caller tests each literal
 *	with a substring search and runs only the alternatives whose
 *	literal occurs (plus those with no literal, lit == NULL).
 *
 *	Each alternative's src is a pattern of its own ("(?:...)") to be
 *	compiled with the flags of the whole.
 *
 *	extended: the pattern is compiled with PCRE2_EXTENDED (white
 *	space ignored, # comments).
 * DIAGNOSTICS
 *	bp_rxlit_split() returns the number of alternatives, or -1 when
 *	the pattern uses something the scanner does not model (inline
 *	option settings, back references, \Q...\E, \x{...} and other
 *	escapes with arguments, an unbalanced group): the caller then
 *	runs the pattern as it is.
 */

typedef struct BP_RXALT {
    char   *src;			/* "(?:alternative\n)" */
    char   *lit;			/* required literal, lowercase, or NULL */
} BP_RXALT;

int     bp_rxlit_split(const char *, int, BP_RXALT **);
void    bp_rxlit_free(BP_RXALT *, int);

#endif
