#ifndef PF_POL_ADDR_H
#define PF_POL_ADDR_H

/*
 * NAME
 *	pol_addr 3 - addr_normalize() with a fast path for ASCII domains
 * SYNOPSIS
 *	#include "pol_addr.h"
 *	int pol_addr_key(const char *in, int flags, BUF *out, BUF *why);
 * DESCRIPTION
 *	Gives exactly the result of addr_normalize(in, flags, out, why)
 *	(common/addr.h), the key under which every postbulk program stores
 *	an address. libidn2 costs about 2-5 us per call, a third of
 *	policyd's whole budget per request, and does nothing for a domain
 *	of plain LDH labels but lowercase it. Such domains (no "xn--"
 *	label, nothing but letters, digits, "-" and ".") are handled here;
 *	every other input goes to addr_normalize(). tests/policyd/unit.t
 *	compares both on a set of tricky addresses.
 * DIAGNOSTICS
 *	0, or -1 with the reason in why, as addr_normalize().
 */
#include "buf.h"

int     pol_addr_key(const char *, int, BUF *, BUF *);

#endif
