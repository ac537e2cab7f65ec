/*
 * NAME
 *	cfg 3 - read the postbulk configuration file (Postfix main.cf syntax)
 * DESCRIPTION
 *	See cfg.h. Hand-written on purpose: the main.cf grammar is five
 *	rules (comment, continuation, name = value, $name expansion, last
 *	wins) and no Debian library implements it; libconfig and inih use
 *	other syntaxes, and the brief asks for main.cf syntax so admins
 *	edit one familiar format.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "log.h"
#include "mem.h"
#include "buf.h"
#include "cfg.h"

typedef struct CFG_ENTRY {
    char   *name;
    char   *value;
    int     line;
} CFG_ENTRY;

struct CFG {
    char   *path;
    CFG_ENTRY *ent;
    size_t  count;
    size_t  size;
};

#define CFG_DEFAULT_PATH "/etc/postbulk/postbulk.cf"

/* cfg_default_path - where programs look when not told */

const char *cfg_default_path(void)
{
    const char *env = getenv("POSTBULK_CONFIG");

    return (env && *env ? env : CFG_DEFAULT_PATH);
}

/* cfg_find - last entry with this name */

static CFG_ENTRY *cfg_find(CFG *cfg, const char *name)
{
    for (size_t i = cfg->count; i > 0; i--)
	if (strcmp(cfg->ent[i - 1].name, name) == 0)
	    return (&cfg->ent[i - 1]);
    return (0);
}

/* cfg_store - remember one setting */

static void cfg_store(CFG *cfg, const char *name, const char *value, int line)
{
    if (cfg->count == cfg->size) {
	cfg->size = cfg->size ? cfg->size * 2 : 32;
	cfg->ent = xrealloc(cfg->ent, cfg->size * sizeof(*cfg->ent));
    }
    cfg->ent[cfg->count].name = xstrdup(name);
    cfg->ent[cfg->count].value = xstrdup(value);
    cfg->ent[cfg->count].line = line;
    cfg->count++;
}

/* cfg_trim - strip leading and trailing whitespace in place */

static char *cfg_trim(char *s)
{
    char   *end;

    while (isspace((unsigned char) *s))
	s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char) end[-1]))
	*--end = 0;
    return (s);
}

/* cfg_parse_logical - one "name = value" logical line */

static int cfg_parse_logical(CFG *cfg, char *text, int line, BUF *why)
{
    char   *eq = strchr(text, '=');
    char   *name;
    char   *value;

    if (eq == 0) {
	buf_sprintf(why, "%s, line %d: missing '=' after parameter name",
		    cfg->path, line);
	return (-1);
    }
    *eq = 0;
    name = cfg_trim(text);
    value = cfg_trim(eq + 1);
    if (*name == 0) {
	buf_sprintf(why, "%s, line %d: missing parameter name", cfg->path, line);
	return (-1);
    }
    for (char *cp = name; *cp; cp++) {
	if (!isalnum((unsigned char) *cp) && *cp != '_' && *cp != '-') {
	    buf_sprintf(why, "%s, line %d: bad parameter name \"%s\"",
			cfg->path, line, name);
	    return (-1);
	}
    }
    cfg_store(cfg, name, value, line);
    return (0);
}

/* cfg_load - read a whole file */

CFG    *cfg_load(const char *path, BUF *why)
{
    CFG    *cfg = xcalloc(1, sizeof(*cfg));
    FILE   *fp;
    char   *line = 0;
    size_t  cap = 0;
    ssize_t n;
    int     lineno = 0;
    int     start_line = 0;
    BUF    *logical = buf_alloc(256);
    int     have = 0;

    cfg->path = xstrdup(path);
    if ((fp = fopen(path, "r")) == 0) {
	if (errno == ENOENT && strcmp(path, cfg_default_path()) == 0) {
	    buf_free(logical);
	    return (cfg);
	}
	buf_sprintf(why, "open %s: %s", path, strerror(errno));
	buf_free(logical);
	cfg_free(cfg);
	return (0);
    }
    while ((n = getline(&line, &cap, fp)) >= 0) {
	char   *cp = line;

	lineno++;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
	    line[--n] = 0;
	while (isspace((unsigned char) *cp))
	    cp++;
	if (*cp == 0 || *cp == '#')
	    continue;
	if (cp != line && have) {		/* continuation line */
	    buf_putc(logical, ' ');
	    buf_puts(logical, cp);
	    continue;
	}
	if (cp != line && !have) {
	    buf_sprintf(why, "%s, line %d: continuation line without a parameter",
			path, lineno);
	    goto fail;
	}
	if (have && cfg_parse_logical(cfg, buf_str(logical), start_line, why) < 0)
	    goto fail;
	buf_sprintf(logical, "%s", cp);
	start_line = lineno;
	have = 1;
    }
    if (ferror(fp)) {
	buf_sprintf(why, "read %s: %s", path, strerror(errno));
	goto fail;
    }
    if (have && cfg_parse_logical(cfg, buf_str(logical), start_line, why) < 0)
	goto fail;
    fclose(fp);
    free(line);
    buf_free(logical);
    return (cfg);

fail:
    fclose(fp);
    free(line);
    buf_free(logical);
    cfg_free(cfg);
    return (0);
}

const char *cfg_path(CFG *cfg)
{
    return (cfg->path);
}

const char *cfg_get(CFG *cfg, const char *name)
{
    CFG_ENTRY *e = cfg_find(cfg, name);

    return (e ? e->value : 0);
}

int     cfg_line(CFG *cfg, const char *name)
{
    CFG_ENTRY *e = cfg_find(cfg, name);

    return (e ? e->line : 0);
}

void    cfg_free(CFG *cfg)
{
    if (cfg == 0)
	return;
    for (size_t i = 0; i < cfg->count; i++) {
	free(cfg->ent[i].name);
	free(cfg->ent[i].value);
    }
    free(cfg->ent);
    free(cfg->path);
    free(cfg);
}

/* cfg_parse_time - "10", "10s", "5m", "2h", "1d", "1w" to seconds */

int     cfg_parse_time(const char *s, long *out)
{
    char   *end;
    long    v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || errno || v < 0)
	return (-1);
    switch (*end) {
    case 0:
    case 's':
	break;
    case 'm':
	v *= 60;
	break;
    case 'h':
	v *= 3600;
	break;
    case 'd':
	v *= 86400;
	break;
    case 'w':
	v *= 7 * 86400;
	break;
    default:
	return (-1);
    }
    if (*end && end[1])
	return (-1);
    *out = v;
    return (0);
}

/* cfg_parse_size - "100", "10k", "5m", "1g" to bytes */

int     cfg_parse_size(const char *s, long *out)
{
    char   *end;
    long    v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || errno || v < 0)
	return (-1);
    switch (tolower((unsigned char) *end)) {
    case 0:
	break;
    case 'k':
	v *= 1024L;
	break;
    case 'm':
	v *= 1024L * 1024;
	break;
    case 'g':
	v *= 1024L * 1024 * 1024;
	break;
    default:
	return (-1);
    }
    if (*end && end[1])
	return (-1);
    *out = v;
    return (0);
}

int     cfg_parse_bool(const char *s, int *out)
{
    if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0
	|| strcmp(s, "1") == 0) {
	*out = 1;
	return (0);
    }
    if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0
	|| strcmp(s, "0") == 0) {
	*out = 0;
	return (0);
    }
    return (-1);
}

/* cfg_lookup_raw - file value, else table default, else NULL */

static const char *cfg_lookup_raw(CFG *cfg, const CFG_PARAM *table,
				          const char *name)
{
    const char *v = cfg_get(cfg, name);

    if (v)
	return (v);
    for (const CFG_PARAM *p = table; p->name; p++)
	if (strcmp(p->name, name) == 0)
	    return (p->def);
    return (0);
}

/* cfg_expand - replace $name and ${name}, bounded depth */

static int cfg_expand(CFG *cfg, const CFG_PARAM *table, const char *in,
		              BUF *out, int depth, BUF *why)
{
    if (depth > 10) {
	buf_sprintf(why, "%s: parameter expansion too deep in \"%s\"",
		    cfg->path, in);
	return (-1);
    }
    for (const char *cp = in; *cp; cp++) {
	if (*cp != '$') {
	    buf_putc(out, *cp);
	    continue;
	}
	if (cp[1] == '$') {
	    buf_putc(out, '$');
	    cp++;
	    continue;
	}
	char    name[128];
	size_t  n = 0;
	int     braced = (cp[1] == '{');
	const char *p = cp + 1 + braced;

	while ((isalnum((unsigned char) *p) || *p == '_') && n + 1 < sizeof(name))
	    name[n++] = *p++;
	name[n] = 0;
	if (braced) {
	    if (*p != '}') {
		buf_sprintf(why, "%s: missing '}' in \"%s\"", cfg->path, in);
		return (-1);
	    }
	    p++;
	}
	if (n == 0) {
	    buf_putc(out, '$');
	    continue;
	}
	const char *val = cfg_lookup_raw(cfg, table, name);

	if (val && cfg_expand(cfg, table, val, out, depth + 1, why) < 0)
	    return (-1);
	cp = p - 1;
    }
    return (0);
}

/* cfg_apply - set every variable of a table */

int     cfg_apply(CFG *cfg, const CFG_PARAM *table, BUF *why)
{
    BUF    *val = buf_alloc(128);
    int     ret = 0;

    for (const CFG_PARAM *p = table; p->name; p++) {
	const char *raw = cfg_get(cfg, p->name);
	int     line = cfg_line(cfg, p->name);
	long    num = 0;
	int     ok = 0;

	if (raw == 0)
	    raw = p->def;
	buf_reset(val);
	if (cfg_expand(cfg, table, raw, val, 0, why) < 0) {
	    ret = -1;
	    break;
	}
	switch (p->kind) {
	case CFG_STR:
	    free(*(char **) p->var);
	    *(char **) p->var = xstrdup(buf_str(val));
	    continue;
	case CFG_BOOL:
	    if (cfg_parse_bool(buf_str(val), (int *) p->var) == 0)
		continue;
	    break;
	case CFG_INT:{
		char   *end;

		errno = 0;
		num = strtol(buf_str(val), &end, 10);
		ok = (end != buf_str(val) && *end == 0 && errno == 0);
		break;
	    }
	case CFG_TIME:
	    ok = (cfg_parse_time(buf_str(val), &num) == 0);
	    break;
	case CFG_SIZE:
	    ok = (cfg_parse_size(buf_str(val), &num) == 0);
	    break;
	}
	if (ok && (p->min || p->max) && (num < p->min || num > p->max)) {
	    buf_sprintf(why, "%s, line %d: %s = %s is out of range (%ld..%ld)",
			cfg->path, line, p->name, buf_str(val), p->min, p->max);
	    ret = -1;
	    break;
	}
	if (ok) {
	    *(long *) p->var = num;
	    continue;
	}
	static const char *kind_names[] = {"string", "integer", "yes/no", "time", "size"};

	buf_sprintf(why, "%s, line %d: bad %s value for %s: \"%s\"",
		    cfg->path, line, kind_names[p->kind], p->name, buf_str(val));
	ret = -1;
	break;
    }
    buf_free(val);
    return (ret);
}

/* Save and restore the variables of a table (reload). */

struct CFG_SAVED {
    const CFG_PARAM *table;
    size_t  count;
    union {
	char   *str;
	long    num;
	int     flag;
    }      *val;
};

CFG_SAVED *cfg_save(const CFG_PARAM *table)
{
    CFG_SAVED *s = xcalloc(1, sizeof(*s));
    size_t  i;

    for (const CFG_PARAM *p = table; p->name; p++)
	s->count++;
    s->table = table;
    s->val = xcalloc(s->count ? s->count : 1, sizeof(*s->val));
    for (i = 0; i < s->count; i++) {
	const CFG_PARAM *p = table + i;

	if (p->kind == CFG_STR)
	    s->val[i].str = *(char **) p->var ? xstrdup(*(char **) p->var) : 0;
	else if (p->kind == CFG_BOOL)
	    s->val[i].flag = *(int *) p->var;
	else
	    s->val[i].num = *(long *) p->var;
    }
    return (s);
}

void    cfg_restore(CFG_SAVED *s)
{
    for (size_t i = 0; i < s->count; i++) {
	const CFG_PARAM *p = s->table + i;

	if (p->kind == CFG_STR) {
	    free(*(char **) p->var);
	    *(char **) p->var = s->val[i].str;	/* ownership moves back */
	    s->val[i].str = 0;
	} else if (p->kind == CFG_BOOL)
	    *(int *) p->var = s->val[i].flag;
	else
	    *(long *) p->var = s->val[i].num;
    }
    cfg_saved_free(s);
}

void    cfg_saved_free(CFG_SAVED *s)
{
    for (size_t i = 0; i < s->count; i++)
	if (s->table[i].kind == CFG_STR)
	    free(s->val[i].str);
    free(s->val);
    free(s);
}

/* cfg_check_unknown - report misspelled names in our namespace */

int     cfg_check_unknown(CFG *cfg, const char *prefix, const CFG_PARAM *table,
			          BUF *why)
{
    return (cfg_check_unknown2(cfg, prefix, table, 0, why));
}

/* cfg_in_table - is name declared in table (which may be NULL)? */

static int cfg_in_table(const CFG_PARAM *table, const char *name)
{
    for (const CFG_PARAM *p = table; p && p->name; p++)
	if (strcmp(p->name, name) == 0)
	    return (1);
    return (0);
}

/* cfg_check_unknown2 - the same, with a second table of known names */

int     cfg_check_unknown2(CFG *cfg, const char *prefix, const CFG_PARAM *table,
			           const CFG_PARAM *also, BUF *why)
{
    size_t  plen = strlen(prefix);

    for (size_t i = 0; i < cfg->count; i++) {
	if (strncmp(cfg->ent[i].name, prefix, plen) != 0)
	    continue;
	if (!cfg_in_table(table, cfg->ent[i].name)
	    && !cfg_in_table(also, cfg->ent[i].name)) {
	    buf_sprintf(why, "%s, line %d: unknown parameter %s",
			cfg->path, cfg->ent[i].line, cfg->ent[i].name);
	    return (-1);
	}
    }
    return (0);
}

/* cfg_print - "name = default  # doc" for -t and man pages */

void    cfg_print(const CFG_PARAM *table, FILE *fp)
{
    for (const CFG_PARAM *p = table; p->name; p++)
	fprintf(fp, "%s = %s\t# %s\n", p->name, p->def, p->doc);
}
