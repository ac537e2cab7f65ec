/*
 * NAME
 *	keytab 3 - read the DKIM key table (milter_dkim_key_table)
 * DESCRIPTION
 *	See keytab.h. The milter signs with these keys and postbulk doctor
 *	checks their published halves, so both read the table here and
 *	agree on which domain signs what.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Project library. */
#include "mem.h"
#include "buf.h"
#include "keytab.h"

/* keytab_load - read the whole table */

KEYTAB *keytab_load(const char *path, BUF *why)
{
    FILE   *fp;
    char    line[4096];
    int     lineno = 0;
    KEYTAB *tab;

    if ((fp = fopen(path, "r")) == 0) {
	buf_sprintf(why, "DKIM key table %s: %s", path, strerror(errno));
	return (0);
    }
    tab = xcalloc(1, sizeof(*tab));
    while (fgets(line, sizeof(line), fp)) {
	char   *f[4], *cp, *save = 0;
	int     nf = 0;

	lineno++;
	if ((cp = strchr(line, '#')) != 0)
	    *cp = 0;
	for (cp = strtok_r(line, " \t\r\n", &save); cp && nf < 4;
	     cp = strtok_r(0, " \t\r\n", &save))
	    f[nf++] = cp;
	if (nf == 0)
	    continue;
	if (nf != 3) {
	    buf_sprintf(why, "DKIM key table %s, line %d: expected "
			"\"DOMAIN SELECTOR KEYFILE\"", path, lineno);
	    fclose(fp);
	    keytab_free(tab);
	    return (0);
	}
	tab->ent = xrealloc(tab->ent, (tab->count + 1) * sizeof(*tab->ent));
	tab->ent[tab->count].domain = xstrdup(f[0]);
	for (cp = tab->ent[tab->count].domain; *cp; cp++)
	    *cp = (char) tolower((unsigned char) *cp);
	tab->ent[tab->count].selector = xstrdup(f[1]);
	tab->ent[tab->count].file = xstrdup(f[2]);
	tab->ent[tab->count].line = lineno;
	tab->count++;
    }
    fclose(fp);
    return (tab);
}

/* keytab_signing_domain - dom or its nearest listed parent */

const char *keytab_signing_domain(const KEYTAB *tab, const char *dom)
{
    const char *best = 0;
    size_t  blen = 0;
    size_t  dl = strlen(dom);

    for (size_t i = 0; i < tab->count; i++) {
	const char *d = tab->ent[i].domain;
	size_t  ll = strlen(d);

	if ((strcasecmp(d, dom) == 0
	     || (ll < dl && dom[dl - ll - 1] == '.'
		 && strcasecmp(dom + dl - ll, d) == 0))
	    && ll > blen) {
	    best = d;
	    blen = ll;
	}
    }
    return (best);
}

void    keytab_free(KEYTAB *tab)
{
    if (tab == 0)
	return;
    for (size_t i = 0; i < tab->count; i++) {
	free(tab->ent[i].domain);
	free(tab->ent[i].selector);
	free(tab->ent[i].file);
    }
    free(tab->ent);
    free(tab);
}
