#ifndef PF_KEYTAB_H
#define PF_KEYTAB_H

/*
 * NAME
 *	keytab 3 - read the DKIM key table (milter_dkim_key_table)
 * SYNOPSIS
 *	#include "keytab.h"
 *	KEYTAB *keytab_load(const char *path, BUF *why);
 *	const char *keytab_signing_domain(const KEYTAB *tab, const char *dom);
 *	void keytab_free(KEYTAB *tab);
 * DESCRIPTION
 *	One line per key: "DOMAIN SELECTOR KEYFILE"; "#" starts a comment.
 *	A domain may have several lines (rsa-sha256 and ed25519-sha256
 *	keys side by side). Domains are lowercased.
 *
 *	keytab_signing_domain() returns the listed domain that signs mail
 *	from dom: dom itself or its nearest listed parent, or NULL. The
 *	milter signs with it and postbulk doctor checks the same keys.
 * DIAGNOSTICS
 *	keytab_load() returns NULL with the file (and line) in why.
 */
#include <stddef.h>

#include "buf.h"

typedef struct KEYTAB_ENTRY {
    char   *domain;
    char   *selector;
    char   *file;
    int     line;
} KEYTAB_ENTRY;

typedef struct KEYTAB {
    KEYTAB_ENTRY *ent;
    size_t  count;
} KEYTAB;

KEYTAB *keytab_load(const char *, BUF *);
const char *keytab_signing_domain(const KEYTAB *, const char *);
void    keytab_free(KEYTAB *);

#endif
