#ifndef PF_CFG_H
#define PF_CFG_H

/*
 * NAME
 *	cfg 3 - read the postbulk configuration file (Postfix main.cf syntax)
 * SYNOPSIS
 *	#include "cfg.h"
 *	CFG *cfg_load(const char *path, BUF *why);
 *	const char *cfg_get(CFG *cfg, const char *name);
 *	int cfg_line(CFG *cfg, const char *name);
 *	int cfg_apply(CFG *cfg, const CFG_PARAM *table, BUF *why);
 *	int cfg_check_unknown(CFG *cfg, const char *prefix,
 *			      const CFG_PARAM *table, BUF *why);
 *	int cfg_check_unknown2(CFG *cfg, const char *prefix,
 *			       const CFG_PARAM *table, const CFG_PARAM *also,
 *			       BUF *why);
 *	void cfg_free(CFG *cfg);
 *	const char *cfg_default_path(void);
 *	void cfg_print(const CFG_PARAM *table, FILE *fp);
 *	CFG_SAVED *cfg_save(const CFG_PARAM *table);
 *	void cfg_restore(CFG_SAVED *saved);
 *	void cfg_saved_free(CFG_SAVED *saved);
 * DESCRIPTION
 *	The syntax is main.cf's (postconf(5)): "name = value", comments
 *	start with "#" in column one (after whitespace), a line that
 *	starts with whitespace continues the previous one, and $name or
 *	${name} expands another parameter of the same file (or of the
 *	table's defaults). The last setting of a name wins.
 *
 *	cfg_apply() sets each parameter of a table: from the file when
 *	present, else from its default. Values are checked for their
 *	kind and range. cfg_check_unknown() reports names in the file
 *	that start with prefix but are not in table (typos);
 *	cfg_check_unknown2() also accepts the names of a second table
 *	(params_load passes the shared one, so "bounce_domain" is no typo
 *	for the "bounce_" program).
 *
 *	cfg_apply() sets values one by one and stops at the first bad one,
 *	so a failed reload leaves a mix of old and new values. A program
 *	that reloads saves its tables first (cfg_save copies the current
 *	value of every variable) and, when anything in the reload fails,
 *	puts them all back with cfg_restore() (which also frees the copy);
 *	after a good reload it drops the copy with cfg_saved_free().
 *
 *	cfg_default_path() is $POSTBULK_CONFIG or /etc/postbulk/postbulk.cf.
 *	cfg_load(path) of a missing file returns an empty CFG when path
 *	is the default path, and an error otherwise.
 *
 *	Time values take a suffix s, m, h, d, w (seconds when none);
 *	sizes take k, m, g; booleans are yes/no.
 * DIAGNOSTICS
 *	Errors name the file and line: "/etc/postbulk/postbulk.cf, line
 *	12: bad time value for policyd_idle_timeout: \"10x\"".
 *	cfg_load and cfg_apply return NULL / -1 with the reason in why.
 */
#include <stdio.h>

#include "buf.h"

typedef struct CFG CFG;
typedef struct CFG_SAVED CFG_SAVED;

typedef enum {
    CFG_STR, CFG_INT, CFG_BOOL, CFG_TIME, CFG_SIZE,
} CFG_KIND;

typedef struct CFG_PARAM {
    const char *name;			/* parameter name */
    CFG_KIND kind;
    const char *def;			/* default, as text */
    void   *var;			/* char **, long *, int * (bool) */
    long    min, max;			/* range for INT/TIME/SIZE; 0,0 = any */
    const char *doc;			/* one line for -t and man page */
} CFG_PARAM;

CFG    *cfg_load(const char *, BUF *);
const char *cfg_get(CFG *, const char *);
int     cfg_line(CFG *, const char *);
const char *cfg_path(CFG *);
int     cfg_apply(CFG *, const CFG_PARAM *, BUF *);
int     cfg_check_unknown(CFG *, const char *, const CFG_PARAM *, BUF *);
int     cfg_check_unknown2(CFG *, const char *, const CFG_PARAM *,
			           const CFG_PARAM *, BUF *);
void    cfg_free(CFG *);
CFG_SAVED *cfg_save(const struct CFG_PARAM *);
void    cfg_restore(CFG_SAVED *);
void    cfg_saved_free(CFG_SAVED *);
const char *cfg_default_path(void);
void    cfg_print(const CFG_PARAM *, FILE *);
int     cfg_parse_time(const char *, long *);
int     cfg_parse_size(const char *, long *);
int     cfg_parse_bool(const char *, int *);

#endif
