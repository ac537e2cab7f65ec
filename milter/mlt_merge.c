/*
 * NAME
 *	mlt_merge 3 - template variables and ${key} substitution
 * DESCRIPTION
 *	See mlt_merge.h. This module knows nothing about MIME: it works
 *	on one header value or one decoded text part at a time, so that
 *	it can be tested with golden files and fuzzed on its own.
 */
#include <string.h>
#include <stdlib.h>

#include "mem.h"
#include "buf.h"

#include "mlt_merge.h"

typedef struct MLT_VAR {
    char   *key;
    char   *value;
} MLT_VAR;

struct MLT_VARS {
    MLT_VAR *v;
    size_t  count;
    size_t  size;
};

/* mlt_key_char - may c appear in a key */

static int mlt_key_char(int c)
{
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
}

/* mlt_vars_new - empty set */

MLT_VARS *mlt_vars_new(void)
{
    MLT_VARS *vars = xcalloc(1, sizeof(*vars));

    return (vars);
}

/* mlt_utf8_valid_append - append, replacing invalid UTF-8 with U+FFFD */

static void mlt_utf8_valid_append(BUF *out, const unsigned char *s, size_t len)
{
    size_t  i = 0, n, k;
    unsigned c;

    while (i < len) {
	c = s[i];
	if (c < 0x80) {
	    if (c != 0)
		buf_putc(out, c);
	    i++;
	    continue;
	}
	if (c >= 0xc2 && c <= 0xdf)
	    n = 1;
	else if (c >= 0xe0 && c <= 0xef)
	    n = 2;
	else if (c >= 0xf0 && c <= 0xf4)
	    n = 3;
	else
	    n = 0;
	for (k = 1; n && k <= n; k++)
	    if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
		n = 0;
	/* Overlong 3/4-byte forms, surrogates and > U+10FFFF. */
	if (n == 2 && ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0)))
	    n = 0;
	if (n == 3 && ((c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90)))
	    n = 0;
	if (n == 0) {
	    buf_puts(out, "\xef\xbf\xbd");
	    i++;
	} else {
	    buf_append(out, s + i, n + 1);
	    i += n + 1;
	}
    }
}

/* mlt_vars_set - add or replace one variable */

void    mlt_vars_set(MLT_VARS *vars, const char *key, const char *value)
{
    size_t  i;
    BUF    *clean = buf_alloc(strlen(value) + 1);

    mlt_utf8_valid_append(clean, (const unsigned char *) value, strlen(value));
    for (i = 0; i < vars->count; i++) {
	if (strcmp(vars->v[i].key, key) == 0) {
	    free(vars->v[i].value);
	    vars->v[i].value = xstrdup(buf_str(clean));
	    buf_free(clean);
	    return;
	}
    }
    if (vars->count == vars->size) {
	vars->size = vars->size ? vars->size * 2 : 16;
	vars->v = xrealloc(vars->v, vars->size * sizeof(*vars->v));
    }
    vars->v[vars->count].key = xstrdup(key);
    vars->v[vars->count].value = xstrdup(buf_str(clean));
    vars->count++;
    buf_free(clean);
}

/* mlt_vars_get - look up one variable, NULL when absent */

const char *mlt_vars_get(MLT_VARS *vars, const char *key)
{
    size_t  i;

    for (i = 0; vars && i < vars->count; i++)
	if (strcmp(vars->v[i].key, key) == 0)
	    return (vars->v[i].value);
    return (0);
}

/* mlt_vars_free - destroy */

void    mlt_vars_free(MLT_VARS *vars)
{
    size_t  i;

    if (vars == 0)
	return;
    for (i = 0; i < vars->count; i++) {
	free(vars->v[i].key);
	free(vars->v[i].value);
    }
    free(vars->v);
    free(vars);
}

/* mlt_hexval - value of one hex digit, -1 if none */

static int mlt_hexval(int c)
{
    if (c >= '0' && c <= '9')
	return (c - '0');
    if (c >= 'a' && c <= 'f')
	return (c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
	return (c - 'A' + 10);
    return (-1);
}

/* mlt_urldecode - decode s[0..len) into out; -1 on a bad %XX */

static int mlt_urldecode(const char *s, size_t len, BUF *out)
{
    size_t  i;
    int     hi, lo;

    buf_reset(out);
    for (i = 0; i < len; i++) {
	if (s[i] == '+') {
	    buf_putc(out, ' ');
	} else if (s[i] == '%') {
	    if (i + 2 >= len)
		return (-1);
	    hi = mlt_hexval((unsigned char) s[i + 1]);
	    lo = mlt_hexval((unsigned char) s[i + 2]);
	    if (hi < 0 || lo < 0)
		return (-1);
	    buf_putc(out, hi * 16 + lo);
	    i += 2;
	} else {
	    buf_putc(out, s[i]);
	}
    }
    return (0);
}

/* mlt_vars_parse - parse key=urlencoded&... */

MLT_VARS *mlt_vars_parse(const char *query, BUF *why)
{
    MLT_VARS *vars = mlt_vars_new();
    BUF    *key = buf_alloc(64);
    BUF    *val = buf_alloc(256);
    const char *cp = query, *end, *eq;
    size_t  i;

    while (*cp == ' ' || *cp == '\t')
	cp++;
    while (*cp) {
	/*
	 * White space around a pair is not data: urlencoded values carry
	 * none, and submit folds long X-Postbulk-Vars lines before an
	 * '&' (CRLF TAB), which reaches us as "\n\t" inside the value.
	 */
	while (*cp == ' ' || *cp == '\t' || *cp == '\r' || *cp == '\n')
	    cp++;
	end = cp + strcspn(cp, "&");
	if (end > cp) {
	    const char *stop = end;

	    while (stop > cp && (stop[-1] == ' ' || stop[-1] == '\t'
				 || stop[-1] == '\r' || stop[-1] == '\n'))
		stop--;
	    eq = memchr(cp, '=', stop - cp);
	    if (eq == 0)
		eq = stop;
	    if (mlt_urldecode(cp, eq - cp, key) < 0 || buf_len(key) == 0
		|| buf_len(key) > MLT_KEY_MAX) {
		buf_sprintf(why, "bad variable name at offset %ld",
			    (long) (cp - query));
		goto bad;
	    }
	    for (i = 0; i < buf_len(key); i++) {
		if (!mlt_key_char((unsigned char) buf_str(key)[i])) {
		    buf_sprintf(why, "bad variable name at offset %ld",
				(long) (cp - query));
		    goto bad;
		}
	    }
	    if (mlt_urldecode(eq < stop ? eq + 1 : stop,
			      eq < stop ? (size_t) (stop - eq - 1) : 0, val) < 0) {
		buf_sprintf(why, "bad %%-escape in value of \"%s\"", buf_str(key));
		goto bad;
	    }
	    /* The decoder may produce NULs; keep them out (C strings). */
	    {
		BUF    *nonul = buf_alloc(buf_len(val) + 1);

		for (i = 0; i < buf_len(val); i++)
		    if (buf_str(val)[i] != 0)
			buf_putc(nonul, buf_str(val)[i]);
		mlt_vars_set(vars, buf_str(key), buf_str(nonul));
		buf_free(nonul);
	    }
	}
	cp = *end ? end + 1 : end;
    }
    buf_free(key);
    buf_free(val);
    return (vars);

bad:
    buf_free(key);
    buf_free(val);
    mlt_vars_free(vars);
    return (0);
}

/* mlt_html_escape - append text with HTML special characters escaped */

void    mlt_html_escape(const char *in, size_t len, BUF *out)
{
    size_t  i;

    for (i = 0; i < len; i++) {
	switch (in[i]) {
	case '&':
	    buf_puts(out, "&amp;");
	    break;
	case '<':
	    buf_puts(out, "&lt;");
	    break;
	case '>':
	    buf_puts(out, "&gt;");
	    break;
	case '"':
	    buf_puts(out, "&quot;");
	    break;
	case '\'':
	    buf_puts(out, "&#39;");
	    break;
	case 0:
	    break;
	default:
	    buf_putc(out, in[i]);
	}
    }
}

/* mlt_put_value - append one value as flags say */

static void mlt_put_value(const char *val, int raw, int flags, BUF *out)
{
    const unsigned char *cp;

    if (flags & MLT_SUBST_HEADER) {
	for (cp = (const unsigned char *) val; *cp; cp++)
	    buf_putc(out, (*cp < 0x20 || *cp == 0x7f) ? ' ' : *cp);
    } else if ((flags & MLT_SUBST_HTML) && !raw) {
	mlt_html_escape(val, strlen(val), out);
    } else {
	buf_puts(out, val);
    }
}

/* mlt_subst - replace ${key} and ${key|raw} */

int     mlt_subst(const char *in, size_t len, MLT_VARS *vars, int flags,
		          BUF *out, BUF *missing)
{
    size_t  i = 0, start, klen;
    int     raw;
    const char *val;
    char    key[MLT_KEY_MAX + 1];

    while (i < len) {
	const char *dollar = memchr(in + i, '$', len - i);

	if (dollar == 0) {
	    buf_append(out, in + i, len - i);
	    break;
	}
	buf_append(out, in + i, dollar - (in + i));
	i = dollar - in;
	if (i + 1 >= len || in[i + 1] != '{') {
	    buf_putc(out, '$');
	    i++;
	    continue;
	}
	start = i + 2;
	for (klen = 0; start + klen < len && mlt_key_char((unsigned char) in[start + klen]); klen++)
	     /* void */ ;
	raw = 0;
	if (klen == 0 || klen > MLT_KEY_MAX || start + klen >= len) {
	    buf_putc(out, '$');
	    i++;
	    continue;
	}
	if (in[start + klen] == '|' && start + klen + 5 <= len
	    && memcmp(in + start + klen, "|raw}", 5) == 0) {
	    raw = 1;
	} else if (in[start + klen] != '}') {
	    buf_putc(out, '$');
	    i++;
	    continue;
	}
	memcpy(key, in + start, klen);
	key[klen] = 0;
	val = mlt_vars_get(vars, key);
	if (val == 0) {
	    if (!(flags & MLT_SUBST_EMPTY)) {
		if (missing)
		    buf_sprintf(missing, "%s", key);
		return (-1);
	    }
	    val = "";
	}
	mlt_put_value(val, raw, flags, out);
	i = start + klen + (raw ? 5 : 1);
    }
    return (0);
}

/* mlt_has_placeholder - does the text contain a well-formed ${key} */

int     mlt_has_placeholder(const char *in, size_t len)
{
    size_t  i, k;

    for (i = 0; i + 3 < len; i++) {
	if (in[i] != '$' || in[i + 1] != '{')
	    continue;
	for (k = i + 2; k < len && mlt_key_char((unsigned char) in[k]); k++)
	     /* void */ ;
	if (k > i + 2 && k < len && (in[k] == '}' || in[k] == '|'))
	    return (1);
    }
    return (0);
}
