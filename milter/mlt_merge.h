#ifndef PF_MLT_MERGE_H
#define PF_MLT_MERGE_H

/*
 * NAME
 *	mlt_merge 3 - template variables and ${key} substitution
 * SYNOPSIS
 *	#include "mlt_merge.h"
 *	MLT_VARS *mlt_vars_parse(const char *query, BUF *why);
 *	MLT_VARS *mlt_vars_new(void);
 *	void mlt_vars_set(MLT_VARS *vars, const char *key, const char *value);
 *	const char *mlt_vars_get(MLT_VARS *vars, const char *key);
 *	void mlt_vars_free(MLT_VARS *vars);
 *	int mlt_subst(const char *in, size_t len, MLT_VARS *vars, int flags,
 *		      BUF *out, BUF *missing);
 *	int mlt_has_placeholder(const char *in, size_t len);
 *	void mlt_html_escape(const char *in, size_t len, BUF *out);
 * DESCRIPTION
 *	mlt_vars_parse() reads "key=urlencoded&key2=..." (the value of
 *	X-Postbulk-Vars, the shape of the classic mq_etc column): '+' is
 *	a space, %XX a byte. Keys are [A-Za-z0-9_.-]{1,64}. A repeated
 *	key keeps its last value. Invalid UTF-8 in a value is replaced
 *	by U+FFFD so that a header never carries broken text.
 *
 *	mlt_subst() appends in[0..len) to out with every ${key} replaced
 *	by its value. ${key|raw} inserts the value without HTML escaping.
 *	Text that is not a well-formed placeholder is copied unchanged.
 *	flags:
 *	MLT_SUBST_HTML	escape values for HTML (& < > " ') unless |raw.
 *	MLT_SUBST_HEADER values lose CR, LF, NUL and other control
 *			characters (each becomes one space): a value can
 *			never start a new header line.
 *	MLT_SUBST_EMPTY	a missing key becomes the empty string.
 *	NUL bytes in values are removed in every mode.
 * DIAGNOSTICS
 *	mlt_vars_parse() returns NULL with a reason naming the offending
 *	key or position. mlt_subst() returns 0, or -1 when a key is
 *	missing and MLT_SUBST_EMPTY is not set; missing then holds the
 *	first missing key (out is then incomplete).
 */
#include <stddef.h>

#include "buf.h"

typedef struct MLT_VARS MLT_VARS;

#define MLT_SUBST_HTML		(1<<0)
#define MLT_SUBST_HEADER	(1<<1)
#define MLT_SUBST_EMPTY		(1<<2)

#define MLT_KEY_MAX		64

MLT_VARS *mlt_vars_parse(const char *, BUF *);
MLT_VARS *mlt_vars_new(void);
void    mlt_vars_set(MLT_VARS *, const char *, const char *);
const char *mlt_vars_get(MLT_VARS *, const char *);
void    mlt_vars_free(MLT_VARS *);
int     mlt_subst(const char *, size_t, MLT_VARS *, int, BUF *, BUF *);
int     mlt_has_placeholder(const char *, size_t);
void    mlt_html_escape(const char *, size_t, BUF *);

#endif
