#ifndef PF_ADDR_H
#define PF_ADDR_H

/*
 * NAME
 *	addr 3 - check and normalize e-mail addresses
 * SYNOPSIS
 *	#include "addr.h"
 *	int addr_normalize(const char *in, int flags, BUF *out, BUF *why);
 *	int addr_check_syntax(const char *addr, BUF *why);
 *	const char *addr_domain(const char *addr);
 * DESCRIPTION
 *	addr_normalize() produces the key under which postbulk stores an
 *	address (suppression, duplicates, messages): surrounding space and
 *	<> removed, the domain lowercased and converted from IDN to its
 *	A-label (libidn2, IDNA2008 with transitional fallback), the local
 *	part kept as is unless ADDR_FOLD_LOCAL (ASCII lowercase) is given,
 *	a "+tag" suffix removed when ADDR_STRIP_TAG is given. "@domain"
 *	(a whole-domain suppression key) is accepted and normalized too.
 *	The result passes addr_check_syntax().
 *
 *	addr_check_syntax() is a practical RFC 5321 subset: a dot-atom or
 *	quoted local part of at most 64 octets (UTF-8 allowed for
 *	SMTPUTF8), a domain of LDH labels (at most 63 octets each, 255 in
 *	all, at least two labels, no all-numeric TLD) or an address
 *	literal [IPv4].
 * DIAGNOSTICS
 *	Both return 0 on success and -1 with a reason in why.
 */
#include "buf.h"

#define ADDR_STRIP_TAG   (1<<0)
#define ADDR_FOLD_LOCAL  (1<<1)

int     addr_normalize(const char *, int, BUF *, BUF *);
int     addr_check_syntax(const char *, BUF *);
const char *addr_domain(const char *);

#endif
