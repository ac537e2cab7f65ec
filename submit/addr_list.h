#ifndef PF_ADDR_LIST_H
#define PF_ADDR_LIST_H

/*
 * NAME
 *	addr_list 3 - addresses from an RFC 5322 address-list header value
 * SYNOPSIS
 *	#include "addr_list.h"
 *	int sub_addr_list(const char *value, void (*fn)(const char *addr,
 *			  void *ctx), void *ctx);
 * DESCRIPTION
 *	Calls fn once for each mailbox in value (the unfolded text after
 *	"To:", "Cc:" or "Bcc:"): "a@b", "Name <a@b>", "\"Last, First\"
 *	<a@b>", "a@b (comment)", groups "list: a@b, c@d;" and empty
 *	groups "undisclosed-recipients:;". Returns the number of
 *	addresses.
 */

int     sub_addr_list(const char *, void (*) (const char *, void *), void *);

#endif
