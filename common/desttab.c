/*
 * NAME
 *	desttab 3 - the destination group table (destinations.cf)
 * DESCRIPTION
 *	See desttab.h for the file format and the API. The file is read in
 *	two passes: first every section and its raw "name = value" lines
 *	(so that [default] may come anywhere), then each group is resolved
 *	setting by setting (group, else [default], else built-in) and
 *	checked. Errors name the line where the offending value was written.
 *
 *	Domain lookups run for every RCPT in policyd (100k/s), so domains
 *	live in one open-addressing hash table; a lookup costs one probe per
 *	label of the recipient domain.
 * DIAGNOSTICS
 *	See desttab.h.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Project library. */
#include "buf.h"
#include "cfg.h"
#include "mem.h"
#include "desttab.h"

 /*
  * Raw settings of one section, before resolution.
  */
typedef struct DT_RAW {
    char   *name;
    char   *value;
    int     line;
} DT_RAW;

typedef struct DT_SECTION {
    char    name[DESTTAB_NAME_MAX + 1];
    int     line;
    DT_RAW *raw;
    int     nraw;
} DT_SECTION;

typedef struct DT_SLOT {
    const char *domain;			/* NULL = empty */
    int     group;
} DT_SLOT;

struct DESTTAB {
    DESTTAB_GROUP *groups;
    int     ngroups;
    DT_SLOT *slots;
    size_t  mask;			/* slots - 1, power of two */
};

 /*
  * The settings table: one row per name, with kind, built-in default and
  * range. A row is the only place a setting is declared.
  */
typedef enum {
    DT_INT, DT_TIME, DT_DATE, DT_STEPS, DT_DOMAINS, DT_TRANSPORT,
} DT_KIND;

typedef struct DT_SETTING {
    const char *name;
    DT_KIND kind;
    const char *def;
    size_t  offset;
    long    min, max;
} DT_SETTING;

#define OFF(f) offsetof(DESTTAB_GROUP, f)

static const DT_SETTING dt_settings[] = {
    {"domains", DT_DOMAINS, "", OFF(domains), 0, 0},
    {"rate_per_minute", DT_INT, "0", OFF(rate_per_minute), 0, 100000000},
    {"rate_per_hour", DT_INT, "0", OFF(rate_per_hour), 0, 1000000000},
    {"daily_cap", DT_INT, "0", OFF(daily_cap), 0, 1000000000},
    {"warmup_start", DT_DATE, "", OFF(warmup_start), 0, 0},
    {"warmup_steps", DT_STEPS, "", OFF(warmup_steps), 1, 1000000000},
    {"backoff_factor", DT_INT, "2", OFF(backoff_factor), 2, 16},
    {"backoff_duration", DT_TIME, "30m", OFF(backoff_duration), 1, 30 * 86400},
    {"backoff_recovery", DT_TIME, "10m", OFF(backoff_recovery), 1, 30 * 86400},
    {"backoff_max_level", DT_INT, "4", OFF(backoff_max_level), 1, 16},
    {"transport", DT_TRANSPORT, "", OFF(transport), 0, 0},
    {"concurrency_limit", DT_INT, "2", OFF(concurrency_limit), 1, 1000},
    {"rate_delay", DT_TIME, "0s", OFF(rate_delay), 0, 3600},
    {"recipient_limit", DT_INT, "50", OFF(recipient_limit), 1, 100000},
    {"messages_per_connection", DT_INT, "100", OFF(messages_per_connection),
    1, 1000000},
    {0},
};

/* dt_name_ok - group and transport names: [a-z0-9_-]{1,32} */

static int dt_name_ok(const char *s)
{
    size_t  n = 0;

    for (; *s; s++, n++)
	if (!(islower((unsigned char) *s) || isdigit((unsigned char) *s)
	      || *s == '_' || *s == '-'))
	    return (0);
    return (n >= 1 && n <= DESTTAB_NAME_MAX);
}

/* dt_trim - strip leading and trailing white space in place */

static char *dt_trim(char *s)
{
    char   *e;

    while (isspace((unsigned char) *s))
	s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char) e[-1]))
	*--e = 0;
    return (s);
}

/* dt_hash - FNV-1a of a lowercase string */

static uint32_t dt_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    while (len-- > 0) {
	h ^= (unsigned char) tolower((unsigned char) *s++);
	h *= 16777619u;
    }
    return (h);
}

/* dt_parse_int - decimal with optional "_" separators */

static int dt_parse_int(const char *s, long *out)
{
    long    v = 0;
    int     digits = 0;

    for (; *s; s++) {
	if (*s == '_' && digits > 0)
	    continue;
	if (!isdigit((unsigned char) *s))
	    return (-1);
	if (v > (LONG_MAX - 9) / 10)
	    return (-1);
	v = v * 10 + (*s - '0');
	digits++;
    }
    if (digits == 0)
	return (-1);
    *out = v;
    return (0);
}

/* dt_parse_date - YYYY-MM-DD to local midnight */

static int dt_parse_date(const char *s, time_t *out)
{
    struct tm tm;
    int     y, m, d;
    char    junk;

    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &junk) != 3
	|| y < 1970 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
	return (-1);
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 0;
    tm.tm_isdst = -1;
    if ((*out = mktime(&tm)) == (time_t) -1 || tm.tm_mday != d)
	return (-1);
    return (0);
}

/* dt_next_item - next comma/space separated list item, in place */

static char *dt_next_item(char **cpp)
{
    char   *cp = *cpp;
    char   *start;

    while (*cp && (isspace((unsigned char) *cp) || *cp == ','))
	cp++;
    if (*cp == 0) {
	*cpp = cp;
	return (0);
    }
    start = cp;
    while (*cp && !isspace((unsigned char) *cp) && *cp != ',')
	cp++;
    if (*cp)
	*cp++ = 0;
    *cpp = cp;
    return (start);
}

/* dt_domain_ok - a plausible lowercase DNS name (A-labels) */

static int dt_domain_ok(const char *s)
{
    size_t  len = strlen(s);
    size_t  label = 0;

    if (len == 0 || len > 253 || *s == '.' || s[len - 1] == '.')
	return (0);
    for (; *s; s++) {
	if (*s == '.') {
	    if (label == 0)
		return (0);
	    label = 0;
	} else if (islower((unsigned char) *s) || isdigit((unsigned char) *s)
		   || *s == '-') {
	    if (++label > 63)
		return (0);
	} else
	    return (0);
    }
    return (1);
}

/* dt_slot - find the slot of a domain (or the empty slot for it) */

static DT_SLOT *dt_slot(const DESTTAB *tab, const char *dom, size_t len)
{
    size_t  i = dt_hash(dom, len) & tab->mask;

    for (;;) {
	DT_SLOT *sp = tab->slots + i;

	if (sp->domain == 0
	    || (strncasecmp(sp->domain, dom, len) == 0 && sp->domain[len] == 0))
	    return (sp);
	i = (i + 1) & tab->mask;
    }
}

/* dt_set - parse one value into a group */

static int dt_set(DESTTAB_GROUP *grp, const DT_SETTING *st, const char *value,
		          BUF *err)
{
    char   *copy = xstrdup(value);
    char   *cp = copy;
    char   *item;
    long    v;
    int     ret = -1;

    switch (st->kind) {
    case DT_INT:
	if (dt_parse_int(dt_trim(copy), &v) < 0) {
	    buf_sprintf(err, "bad number for %s: \"%s\"", st->name, value);
	    break;
	}
	if ((st->min || st->max) && (v < st->min || v > st->max)) {
	    buf_sprintf(err, "%s = %ld is out of range %ld..%ld",
			st->name, v, st->min, st->max);
	    break;
	}
	if (st->offset == OFF(backoff_factor))
	    grp->backoff_factor = (int) v;
	else if (st->offset == OFF(backoff_max_level))
	    grp->backoff_max_level = (int) v;
	else
	    *(long *) ((char *) grp + st->offset) = v;
	ret = 0;
	break;
    case DT_TIME:
	if (cfg_parse_time(dt_trim(copy), &v) < 0) {
	    buf_sprintf(err, "bad time value for %s: \"%s\"", st->name, value);
	    break;
	}
	if ((st->min || st->max) && (v < st->min || v > st->max)) {
	    buf_sprintf(err, "%s = %lds is out of range %ld..%lds",
			st->name, v, st->min, st->max);
	    break;
	}
	*(long *) ((char *) grp + st->offset) = v;
	ret = 0;
	break;
    case DT_DATE:
	cp = dt_trim(copy);
	if (*cp == 0) {
	    grp->warmup_start = 0;
	    ret = 0;
	} else if (dt_parse_date(cp, &grp->warmup_start) < 0) {
	    buf_sprintf(err, "bad date for %s (want YYYY-MM-DD): \"%s\"",
			st->name, value);
	} else
	    ret = 0;
	break;
    case DT_STEPS:
	free(grp->warmup_steps);
	grp->warmup_steps = 0;
	grp->nwarmup = 0;
	ret = 0;
	while ((item = dt_next_item(&cp)) != 0) {
	    if (dt_parse_int(item, &v) < 0 || v < st->min || v > st->max) {
		buf_sprintf(err, "bad step in %s: \"%s\"", st->name, item);
		ret = -1;
		break;
	    }
	    if (grp->nwarmup > 0 && v < grp->warmup_steps[grp->nwarmup - 1]) {
		buf_sprintf(err, "%s must not decrease: %ld after %ld",
			    st->name, v, grp->warmup_steps[grp->nwarmup - 1]);
		ret = -1;
		break;
	    }
	    if (grp->nwarmup >= 366) {
		buf_sprintf(err, "%s has more than 366 steps", st->name);
		ret = -1;
		break;
	    }
	    grp->warmup_steps = xrealloc(grp->warmup_steps,
				    (grp->nwarmup + 1) * sizeof(long));
	    grp->warmup_steps[grp->nwarmup++] = v;
	}
	break;
    case DT_DOMAINS:
	ret = 0;
	while ((item = dt_next_item(&cp)) != 0) {
	    for (char *p = item; *p; p++)
		*p = tolower((unsigned char) *p);
	    if (!dt_domain_ok(item)) {
		buf_sprintf(err, "bad domain in %s: \"%s\" (use the A-label "
			    "form for IDN domains)", st->name, item);
		ret = -1;
		break;
	    }
	    grp->domains = xrealloc(grp->domains,
				    (grp->ndomains + 1) * sizeof(char *));
	    grp->domains[grp->ndomains++] = xstrdup(item);
	}
	break;
    case DT_TRANSPORT:
	cp = dt_trim(copy);
	if (*cp && !dt_name_ok(cp)) {
	    buf_sprintf(err, "bad transport name: \"%s\" (want [a-z0-9_-], "
			"at most %d characters)", value, DESTTAB_NAME_MAX);
	    break;
	}
	if (*cp)
	    snprintf(grp->transport, sizeof(grp->transport), "%s", cp);
	ret = 0;
	break;
    }
    free(copy);
    return (ret);
}

/* dt_section_free - release raw settings */

static void dt_sections_free(DT_SECTION *sec, int nsec)
{
    for (int i = 0; i < nsec; i++) {
	for (int j = 0; j < sec[i].nraw; j++) {
	    free(sec[i].raw[j].name);
	    free(sec[i].raw[j].value);
	}
	free(sec[i].raw);
    }
    free(sec);
}

/* dt_raw_find - last setting of name in a section */

static const DT_RAW *dt_raw_find(const DT_SECTION *sec, const char *name)
{
    for (int j = sec->nraw - 1; j >= 0; j--)
	if (strcmp(sec->raw[j].name, name) == 0)
	    return (sec->raw + j);
    return (0);
}

/* dt_store_line - one logical line: section header or setting */

static int dt_store_line(DT_SECTION **secp, int *nsec, char *text, int line,
			         BUF *err)
{
    DT_SECTION *sec;
    char   *eq;
    char   *name;
    char   *value;

    text = dt_trim(text);
    if (*text == '[') {
	char   *end = strchr(text, ']');

	if (end == 0 || *dt_trim(end + 1) != 0) {
	    buf_sprintf(err, "bad section header \"%s\" (want [NAME])", text);
	    return (-1);
	}
	*end = 0;
	name = dt_trim(text + 1);
	if (!dt_name_ok(name)) {
	    buf_sprintf(err, "bad group name \"%s\" (want [a-z0-9_-], at "
			"most %d characters)", name, DESTTAB_NAME_MAX);
	    return (-1);
	}
	for (int i = 0; i < *nsec; i++) {
	    if (strcmp((*secp)[i].name, name) == 0) {
		buf_sprintf(err, "group [%s] is already defined at line %d",
			    name, (*secp)[i].line);
		return (-1);
	    }
	}
	*secp = xrealloc(*secp, (*nsec + 1) * sizeof(DT_SECTION));
	sec = *secp + *nsec;
	memset(sec, 0, sizeof(*sec));
	snprintf(sec->name, sizeof(sec->name), "%s", name);
	sec->line = line;
	*nsec += 1;
	return (0);
    }
    if ((eq = strchr(text, '=')) == 0) {
	buf_sprintf(err, "missing '=' after \"%.40s\"", text);
	return (-1);
    }
    if (*nsec == 0) {
	buf_sprintf(err, "setting before the first [GROUP] header");
	return (-1);
    }
    *eq = 0;
    name = dt_trim(text);
    value = dt_trim(eq + 1);
    {
	const DT_SETTING *st;

	for (st = dt_settings; st->name; st++)
	    if (strcmp(st->name, name) == 0)
		break;
	if (st->name == 0) {
	    buf_sprintf(err, "unknown setting \"%.64s\"", name);
	    return (-1);
	}
    }
    sec = *secp + *nsec - 1;
    sec->raw = xrealloc(sec->raw, (sec->nraw + 1) * sizeof(DT_RAW));
    sec->raw[sec->nraw].name = xstrdup(name);
    sec->raw[sec->nraw].value = xstrdup(value);
    sec->raw[sec->nraw].line = line;
    sec->nraw++;
    return (0);
}

/* dt_read - pass 1: sections and raw settings */

static int dt_read(const char *path, DT_SECTION **secp, int *nsec, BUF *why)
{
    FILE   *fp;
    char   *line = 0;
    size_t  cap = 0;
    ssize_t n;
    int     lineno = 0;
    int     start = 0;
    BUF    *logical = buf_alloc(256);
    BUF    *err = buf_alloc(100);
    int     ret = 0;

    if ((fp = fopen(path, "r")) == 0) {
	buf_sprintf(why, "%s: cannot open: %s", path, strerror(errno));
	buf_free(logical);
	buf_free(err);
	return (-1);
    }
    for (;;) {
	n = getline(&line, &cap, fp);
	if (n >= 0)
	    lineno++;
	if (n > 0 && line[n - 1] == '\n')
	    line[--n] = 0;
	/* Continuation lines extend the pending logical line. */
	if (n >= 0 && buf_len(logical) > 0 && isspace((unsigned char) line[0])) {
	    char   *t = dt_trim(line);

	    if (*t == '#' || *t == 0)
		continue;
	    buf_putc(logical, ' ');
	    buf_puts(logical, t);
	    continue;
	}
	if (buf_len(logical) > 0) {
	    if (dt_store_line(secp, nsec, buf_str(logical), start, err) < 0) {
		buf_sprintf(why, "%s, line %d: %s", path, start, buf_str(err));
		ret = -1;
		break;
	    }
	    buf_reset(logical);
	}
	if (n < 0)
	    break;
	{
	    char   *t = dt_trim(line);

	    if (*t == '#' || *t == 0)
		continue;
	    if (isspace((unsigned char) line[0])) {
		buf_sprintf(why, "%s, line %d: continuation line without a "
			    "setting before it", path, lineno);
		ret = -1;
		break;
	    }
	    buf_puts(logical, t);
	    start = lineno;
	}
    }
    if (ret == 0 && ferror(fp)) {
	buf_sprintf(why, "%s: read error: %s", path, strerror(errno));
	ret = -1;
    }
    fclose(fp);
    free(line);
    buf_free(logical);
    buf_free(err);
    return (ret);
}

/* dt_resolve - pass 2: one group from its section, [default], built-ins */

static int dt_resolve(const char *path, DESTTAB_GROUP *grp,
		              const DT_SECTION *sec, const DT_SECTION *def,
		              BUF *why)
{
    const DT_SETTING *st;
    const DT_RAW *raw;
    BUF    *err = buf_alloc(100);
    int     is_default = strcmp(grp->name, DESTTAB_DEFAULT) == 0;

    for (st = dt_settings; st->name; st++) {
	const char *value = st->def;
	int     line = 0;

	raw = sec ? dt_raw_find(sec, st->name) : 0;
	/* Domains and transport never inherit: they name one group. */
	if (raw == 0 && def && st->kind != DT_DOMAINS && st->kind != DT_TRANSPORT)
	    raw = dt_raw_find(def, st->name);
	if (raw) {
	    value = raw->value;
	    line = raw->line;
	}
	if (is_default && st->kind == DT_DOMAINS && raw && *raw->value) {
	    buf_sprintf(why, "%s, line %d: group [default] takes every domain "
			"that no other group lists; it cannot have domains",
			path, line);
	    buf_free(err);
	    return (-1);
	}
	if (dt_set(grp, st, value, err) < 0) {
	    if (line)
		buf_sprintf(why, "%s, line %d: [%s] %s", path, line, grp->name,
			    buf_str(err));
	    else
		buf_sprintf(why, "%s: [%s] built-in default: %s", path,
			    grp->name, buf_str(err));
	    buf_free(err);
	    return (-1);
	}
    }
    buf_free(err);
    if (grp->transport[0] == 0)
	snprintf(grp->transport, sizeof(grp->transport), "%s%s",
		 is_default ? "smtp" : "pb_", is_default ? "" : grp->name);
    if (grp->warmup_start && grp->nwarmup == 0) {
	buf_sprintf(why, "%s, line %d: [%s] warmup_start without warmup_steps",
		    path, sec ? sec->line : 0, grp->name);
	return (-1);
    }
    if (!is_default && grp->ndomains == 0) {
	buf_sprintf(why, "%s, line %d: [%s] has no domains", path,
		    sec ? sec->line : 0, grp->name);
	return (-1);
    }
    return (0);
}

/* desttab_load - read, check and index a table */

DESTTAB *desttab_load(const char *path, BUF *why)
{
    DT_SECTION *sec = 0;
    int     nsec = 0;
    const DT_SECTION *def = 0;
    DESTTAB *tab;
    size_t  nslots;
    int     ndom = 0;
    int     i;

    if (dt_read(path, &sec, &nsec, why) < 0) {
	dt_sections_free(sec, nsec);
	return (0);
    }
    for (i = 0; i < nsec; i++)
	if (strcmp(sec[i].name, DESTTAB_DEFAULT) == 0)
	    def = sec + i;
    tab = xcalloc(1, sizeof(*tab));
    tab->ngroups = nsec + (def ? 0 : 1);
    tab->groups = xcalloc(tab->ngroups, sizeof(DESTTAB_GROUP));
    for (i = 0; i < tab->ngroups; i++) {
	DESTTAB_GROUP *grp = tab->groups + i;
	const DT_SECTION *own = i < nsec ? sec + i : 0;

	snprintf(grp->name, sizeof(grp->name), "%s",
		 own ? own->name : DESTTAB_DEFAULT);
	grp->index = i;
	grp->line = own ? own->line : 0;
	if (dt_resolve(path, grp, own, def, why) < 0) {
	    tab->ngroups = i + 1;
	    desttab_free(tab);
	    dt_sections_free(sec, nsec);
	    return (0);
	}
	ndom += grp->ndomains;
    }
    /* Index the domains; a domain in two groups is a mistake. */
    for (nslots = 16; nslots < (size_t) ndom * 2 + 1; nslots *= 2)
	 /* void */ ;
    tab->slots = xcalloc(nslots, sizeof(DT_SLOT));
    tab->mask = nslots - 1;
    for (i = 0; i < tab->ngroups; i++) {
	DESTTAB_GROUP *grp = tab->groups + i;

	for (int j = 0; j < grp->ndomains; j++) {
	    const char *d = grp->domains[j];
	    DT_SLOT *sp = dt_slot(tab, d, strlen(d));

	    if (sp->domain) {
		const DT_SECTION *s = sec + i;
		const DT_RAW *raw = dt_raw_find(s, "domains");

		buf_sprintf(why, "%s, line %d: domain %s is listed in [%s] "
			    "and in [%s]", path, raw ? raw->line : s->line, d,
			    tab->groups[sp->group].name, grp->name);
		desttab_free(tab);
		dt_sections_free(sec, nsec);
		return (0);
	    }
	    sp->domain = d;
	    sp->group = i;
	}
    }
    dt_sections_free(sec, nsec);
    return (tab);
}

/* desttab_free - release a table */

void    desttab_free(DESTTAB *tab)
{
    if (tab == 0)
	return;
    for (int i = 0; i < tab->ngroups; i++) {
	for (int j = 0; j < tab->groups[i].ndomains; j++)
	    free(tab->groups[i].domains[j]);
	free(tab->groups[i].domains);
	free(tab->groups[i].warmup_steps);
    }
    free(tab->groups);
    free(tab->slots);
    free(tab);
}

/* desttab_count - number of groups, default included */

int     desttab_count(const DESTTAB *tab)
{
    return (tab->ngroups);
}

/* desttab_group - group by index */

const DESTTAB_GROUP *desttab_group(const DESTTAB *tab, int i)
{
    return (i >= 0 && i < tab->ngroups ? tab->groups + i : 0);
}

/* desttab_find - group by name, NULL when absent */

const DESTTAB_GROUP *desttab_find(const DESTTAB *tab, const char *name)
{
    for (int i = 0; i < tab->ngroups; i++)
	if (strcmp(tab->groups[i].name, name) == 0)
	    return (tab->groups + i);
    return (0);
}

/* desttab_lookup - group of a domain: exact, parents, else default */

const DESTTAB_GROUP *desttab_lookup(const DESTTAB *tab, const char *domain)
{
    const char *d = domain;

    if (tab->slots && d) {
	if (*d == '@')
	    d++;
	while (*d) {
	    DT_SLOT *sp = dt_slot(tab, d, strlen(d));

	    if (sp->domain)
		return (tab->groups + sp->group);
	    if ((d = strchr(d, '.')) == 0)
		break;
	    d++;
	}
    }
    return (desttab_find(tab, DESTTAB_DEFAULT));
}

/* dt_day_number - days since 1970-01-01 of the local date of t */

static long dt_day_number(time_t t)
{
    struct tm tm;
    long    y, m, d, era, yoe, doy, doe;

    localtime_r(&t, &tm);
    y = tm.tm_year + 1900;
    m = tm.tm_mon + 1;
    d = tm.tm_mday;
    /* Howard Hinnant's days_from_civil: no DST or timezone surprises. */
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era * 146097 + doe - 719468);
}

/* desttab_warmup_day - 1-based ramp day, 0 = no ramp */

int     desttab_warmup_day(const DESTTAB_GROUP *grp, time_t now)
{
    long    day;

    if (grp->nwarmup == 0)
	return (0);
    if (grp->warmup_start == 0)
	return (1);
    day = dt_day_number(now) - dt_day_number(grp->warmup_start) + 1;
    if (day < 1)
	day = 1;
    if (day > 100000)
	day = 100000;
    return ((int) day);
}

/* desttab_day_cap - cap in force today; 0 = none */

long    desttab_day_cap(const DESTTAB_GROUP *grp, time_t now)
{
    int     day = desttab_warmup_day(grp, now);

    if (day > 0 && day <= grp->nwarmup) {
	long    step = grp->warmup_steps[day - 1];

	/* A ramp never lifts the plain cap. */
	return (grp->daily_cap && grp->daily_cap < step ? grp->daily_cap : step);
    }
    return (grp->daily_cap);
}

/* desttab_backoff_level - stored level decayed to time now */

int     desttab_backoff_level(const DESTTAB_GROUP *grp, int level,
			              time_t until, time_t now)
{
    long    steps;

    if (level <= 0)
	return (0);
    if (level > 16)
	level = 16;
    if (now < until)
	return (level);
    steps = 1 + (long) (now - until) / (grp->backoff_recovery > 0 ?
					grp->backoff_recovery : 1);
    return (steps >= level ? 0 : level - (int) steps);
}

/* desttab_backoff_rate - rate divided by factor^level, at least 1 */

long    desttab_backoff_rate(const DESTTAB_GROUP *grp, long rate, int level)
{
    if (rate <= 0)
	return (rate);
    for (int i = 0; i < level && rate > 1; i++)
	rate /= grp->backoff_factor;
    return (rate < 1 ? 1 : rate);
}
