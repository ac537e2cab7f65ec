/*
 * NAME
 *	typo 3 - clean up and fix mistyped e-mail addresses
 * SYNOPSIS
 *	#include "typo.h"
 * DESCRIPTION
 *	See typo.h. The lists below are the whole policy: a domain is
 *	only ever changed into a domain of sub_typo_domains[], and never
 *	when it is itself in sub_typo_domains[] or sub_typo_real[]
 *	(mail.com is a real provider, not a misspelt gmail.com).
 */

/* System library. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"

/* Application-specific. */
#include "hangul.h"
#include "typo.h"

/* Mail domains of Korean and global portals: the only fix targets. */
static const char *const sub_typo_domains[] = {
    "naver.com", "hanmail.net", "daum.net", "nate.com", "kakao.com",
    "gmail.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.kr", "icloud.com", "me.com", "mac.com",
    "korea.com", "empal.com", "paran.com", "dreamwiz.com", "lycos.co.kr",
    "chol.com", "hanmir.com", "freechal.com", "hitel.net", "hanafos.com",
    "netian.com", "unitel.co.kr", "sayclub.com", "orgio.net", "korea.kr",
    "kornet.net", "aol.com", "hotmail.co.kr", "live.co.kr", "outlook.kr",
    0,
};

/* Real domains near the portals: never changed, never targets. */
static const char *const sub_typo_real[] = {
    "mail.com", "email.com", "gmx.com", "gmx.net", "ymail.com",
    "rocketmail.com", "protonmail.com", "proton.me", "mail.ru", "naver.jp",
    "yahoo.co.jp", "daum.co.kr", "nate.kr", "kakao.co.kr", "me.co.kr",
    "live.kr", "mac.kr", "msn.co.kr", "aol.co.uk", "korea.ac.kr", "kaist.ac.kr",
    "snu.ac.kr", "yonsei.ac.kr", "go.kr", "or.kr", "re.kr",
    0,
};

/* Curated misspellings seen in Korean member lists. */
static const char *const sub_typo_table[][2] = {
    {"hanmil.net", "hanmail.net"}, {"hanmial.net", "hanmail.net"},
    {"hamail.net", "hanmail.net"}, {"hanmai.net", "hanmail.net"},
    {"hanmail.ent", "hanmail.net"}, {"hanmail.nte", "hanmail.net"},
    {"hanmail.ner", "hanmail.net"}, {"hanmail.met", "hanmail.net"},
    {"hanmail.co", "hanmail.net"}, {"hanmail.com", "hanmail.net"},
    {"hanmail.co.kr", "hanmail.net"}, {"hanmali.net", "hanmail.net"},
    {"hnamail.net", "hanmail.net"}, {"hanmail.nt", "hanmail.net"},
    {"hanmail", "hanmail.net"},
    {"naver.co", "naver.com"}, {"naver.con", "naver.com"},
    {"naver.cim", "naver.com"}, {"naver.cpm", "naver.com"},
    {"naver.vom", "naver.com"}, {"naver.xom", "naver.com"},
    {"naver.comm", "naver.com"}, {"naver.co.kr", "naver.com"},
    {"naver.net", "naver.com"}, {"nave.com", "naver.com"},
    {"naer.com", "naver.com"}, {"navr.com", "naver.com"},
    {"nvaer.com", "naver.com"}, {"naber.com", "naver.com"},
    {"naverr.com", "naver.com"}, {"naver.cm", "naver.com"},
    {"naver", "naver.com"},
    {"gmial.com", "gmail.com"}, {"gmai.com", "gmail.com"},
    {"gamil.com", "gmail.com"}, {"gmil.com", "gmail.com"},
    {"gmaill.com", "gmail.com"}, {"gmail.co", "gmail.com"},
    {"gmail.con", "gmail.com"}, {"gmail.cm", "gmail.com"},
    {"gmail.net", "gmail.com"}, {"gmail.co.kr", "gmail.com"},
    {"gnail.com", "gmail.com"}, {"gmali.com", "gmail.com"},
    {"gmail", "gmail.com"},
    {"daum.ent", "daum.net"}, {"daum.nte", "daum.net"},
    {"daum.ner", "daum.net"}, {"daum.met", "daum.net"},
    {"daum.com", "daum.net"}, {"duam.net", "daum.net"},
    {"daum", "daum.net"},
    {"nate.co", "nate.com"}, {"nate.con", "nate.com"},
    {"nate.cmo", "nate.com"}, {"nate.co.kr", "nate.com"},
    {"nate", "nate.com"},
    {"hotmail.co", "hotmail.com"}, {"hotmial.com", "hotmail.com"},
    {"hotmai.com", "hotmail.com"}, {"hotmail.con", "hotmail.com"},
    {"homail.com", "hotmail.com"},
    {"yaho.com", "yahoo.com"}, {"yahooo.com", "yahoo.com"},
    {"yahoo.con", "yahoo.com"},
    {"kakao.co", "kakao.com"}, {"kakao.con", "kakao.com"},
    {"outlok.com", "outlook.com"}, {"outlook.con", "outlook.com"},
    {0, 0},
};

/* sub_typo_in - is s in list? */

static int sub_typo_in(const char *const *list, const char *s)
{
    for (; *list; list++)
	if (strcmp(*list, s) == 0)
	    return (1);
    return (0);
}

/* sub_typo_known - a known real domain */

int     sub_typo_known(const char *domain)
{
    return (sub_typo_in(sub_typo_domains, domain) || sub_typo_in(sub_typo_real, domain));
}

/* sub_typo_distance - optimal string alignment distance, capped */

static int sub_typo_distance(const char *a, const char *b, int cap)
{
    size_t  la = strlen(a), lb = strlen(b);
    int     d[3][65];
    int     best;

    if (la > 64 || lb > 64)
	return (cap + 1);
    if ((la > lb ? la - lb : lb - la) > (size_t) cap)
	return (cap + 1);
    for (size_t j = 0; j <= lb; j++)
	d[0][j] = (int) j;
    for (size_t i = 1; i <= la; i++) {
	int    *cur = d[i % 3], *prev = d[(i - 1) % 3], *pp = d[(i + 1) % 3];

	cur[0] = (int) i;
	best = cur[0];
	for (size_t j = 1; j <= lb; j++) {
	    int     cost = a[i - 1] != b[j - 1];
	    int     v = prev[j] + 1;

	    if (cur[j - 1] + 1 < v)
		v = cur[j - 1] + 1;
	    if (prev[j - 1] + cost < v)
		v = prev[j - 1] + cost;
	    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
		&& pp[j - 2] + 1 < v)
		v = pp[j - 2] + 1;
	    cur[j] = v;
	    if (v < best)
		best = v;
	}
	if (best > cap)
	    return (cap + 1);
    }
    return (d[la % 3][lb]);
}

/* sub_typo_domain - the fixed domain or NULL; why says how */

static const char *sub_typo_domain(const char *dom, BUF *how)
{
    const char *best = 0;
    int     best_d = 99;
    int     ties = 0;
    int     cap;

    if (sub_typo_known(dom))
	return (0);
    for (int i = 0; sub_typo_table[i][0]; i++) {
	if (strcmp(sub_typo_table[i][0], dom) == 0) {
	    buf_sprintf(how, "table");
	    return (sub_typo_table[i][1]);
	}
    }
    cap = strlen(dom) < 7 ? 1 : 2;
    for (int i = 0; sub_typo_domains[i]; i++) {
	int     d = sub_typo_distance(dom, sub_typo_domains[i], cap);

	if (d > cap)
	    continue;
	if (d < best_d) {
	    best_d = d;
	    best = sub_typo_domains[i];
	    ties = 0;
	} else if (d == best_d) {
	    ties++;
	}
    }
    if (best == 0)
	return (0);

    /*
     * A real domain at least as near as the best portal makes the
     * guess unsafe: "mail.co" is nearer to mail.com than to gmail.com.
     */
    for (int i = 0; sub_typo_real[i]; i++)
	if (sub_typo_distance(dom, sub_typo_real[i], best_d) <= best_d)
	    ties++;
    if (ties) {
	buf_sprintf(how, "ambiguous");
	return (0);
    }
    buf_sprintf(how, "edit distance %d", best_d);
    return (best);
}

/* sub_typo_trim - remove ASCII and Unicode white space at both ends */

static void sub_typo_trim(const char *in, BUF *out)
{
    static const char *const ws[] = {
	"\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\x8b", "\xef\xbb\xbf", 0,
    };
    const char *s = in;
    const char *e = in + strlen(in);
    int     again = 1;

    while (again) {
	again = 0;
	while (s < e && isspace((unsigned char) *s))
	    s++, again = 1;
	while (e > s && isspace((unsigned char) e[-1]))
	    e--, again = 1;
	for (int i = 0; ws[i]; i++) {
	    size_t  n = strlen(ws[i]);

	    if ((size_t) (e - s) >= n && memcmp(s, ws[i], n) == 0)
		s += n, again = 1;
	    if ((size_t) (e - s) >= n && memcmp(e - n, ws[i], n) == 0)
		e -= n, again = 1;
	}
    }
    buf_reset(out);
    buf_append(out, s, (size_t) (e - s));
}

/* sub_typo_note - append one change description */

static void sub_typo_note(BUF *change, const char *what, const char *from,
			          const char *to)
{
    if (buf_len(change))
	buf_puts(change, "; ");
    buf_printf(change, "%s: %s -> %s", what, from, to);
}

/* sub_typo_unwrap - mailto:, <...>, Name <...> */

static int sub_typo_unwrap(BUF *a)
{
    char   *s = buf_str(a);
    char   *lt, *gt;

    if (strncasecmp(s, "mailto:", 7) == 0) {
	memmove(s, s + 7, strlen(s + 7) + 1);
	a->len -= 7;
	return (1);
    }
    if ((lt = strrchr(s, '<')) != 0 && (gt = strchr(lt, '>')) != 0 && gt[1] == 0) {
	size_t  n = (size_t) (gt - lt - 1);

	memmove(s, lt + 1, n);
	s[n] = 0;
	a->len = n;
	return (1);
    }
    return (0);
}

/* sub_typo_fullwidth - U+FF01..U+FF5E to ASCII, U+3002 to "." */

static int sub_typo_fullwidth(BUF *a)
{
    const unsigned char *s = (const unsigned char *) buf_str(a);
    BUF    *t = buf_alloc(buf_len(a) + 1);
    int     n = 0;

    while (*s) {
	if (s[0] == 0xEF && (s[1] == 0xBC || s[1] == 0xBD) && (s[2] & 0xC0) == 0x80) {
	    unsigned cp = ((unsigned) (s[0] & 0x0F) << 12)
	    | ((unsigned) (s[1] & 0x3F) << 6) | (unsigned) (s[2] & 0x3F);

	    if (cp >= 0xFF01 && cp <= 0xFF5E) {
		buf_putc(t, (int) (cp - 0xFF01 + 0x21));
		s += 3;
		n++;
		continue;
	    }
	}
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x82) {	/* 。 */
	    buf_putc(t, '.');
	    s += 3;
	    n++;
	    continue;
	}
	buf_putc(t, *s++);
    }
    if (n) {
	buf_reset(a);
	buf_append(a, buf_str(t), buf_len(t));
    }
    buf_free(t);
    return (n);
}

/* sub_typo_has_hangul - any Hangul syllable or jamo? */

static int sub_typo_has_hangul(const char *s)
{
    BUF    *junk = buf_alloc(strlen(s) + 1);
    int     n = sub_hangul_keys(s, junk);

    buf_free(junk);
    return (n);
}

/* sub_typo_punct - spaces, "@@", "," and ".." in the domain, trailing dot */

static int sub_typo_punct(BUF *a)
{
    BUF    *t = buf_alloc(buf_len(a) + 1);
    const char *s = buf_str(a);
    const char *at = strrchr(s, '@');
    int     changed = 0;
    int     in_quote = 0;

    for (const char *c = s; *c; c++) {
	if (*c == '"')
	    in_quote = !in_quote;
	if (!in_quote && isspace((unsigned char) *c)) {
	    changed = 1;
	    continue;
	}
	if (*c == '@' && buf_len(t) && buf_str(t)[buf_len(t) - 1] == '@') {
	    changed = 1;
	    continue;
	}
	if (at && c > at && (*c == ',' || *c == '.')) {
	    if (buf_len(t) && (buf_str(t)[buf_len(t) - 1] == '.'
			       || buf_str(t)[buf_len(t) - 1] == '@')) {
		changed = 1;
		continue;
	    }
	    if (*c == ',')
		changed = 1;
	    buf_putc(t, '.');
	    continue;
	}
	buf_putc(t, *c);
    }
    while (buf_len(t) && buf_str(t)[buf_len(t) - 1] == '.' && strchr(buf_str(t), '@')
	   && at) {
	buf_truncate(t, buf_len(t) - 1);
	changed = 1;
    }
    if (changed) {
	buf_reset(a);
	buf_append(a, buf_str(t), buf_len(t));
    }
    buf_free(t);
    return (changed);
}

/* sub_typo_lower_domain - ASCII-lowercase the part after the last "@" */

static void sub_typo_lower_domain(BUF *a)
{
    char   *at = strrchr(buf_str(a), '@');

    if (at)
	for (char *c = at + 1; *c; c++)
	    *c = (char) tolower((unsigned char) *c);
}

/* sub_typo_fix - the whole pipeline */

int     sub_typo_fix(const char *in, int mode, BUF *out, BUF *change)
{
    BUF    *a = buf_alloc(strlen(in) + 16);
    BUF    *prev = buf_alloc(strlen(in) + 16);
    BUF    *how = buf_alloc(32);
    char   *at;

    buf_reset(change);
    sub_typo_trim(in, a);
    sub_typo_lower_domain(a);
    buf_reset(out);
    buf_append(out, buf_str(a), buf_len(a));
    if (mode == SUB_TYPO_OFF)
	goto done;

#define SUB_TYPO_STEP(what, expr) do { \
	buf_reset(prev); buf_append(prev, buf_str(a), buf_len(a)); \
	if (expr) { sub_typo_lower_domain(a); \
	    sub_typo_note(change, what, buf_str(prev), buf_str(a)); } \
    } while (0)

    SUB_TYPO_STEP("unwrapped", sub_typo_unwrap(a));
    SUB_TYPO_STEP("full-width", sub_typo_fullwidth(a));

    /*
     * 한글 mode. Convert when the result's domain is (or fixes to) a
     * known portal, or when the domain is already a known ASCII one.
     * A real IDN domain such as 한국.kr converts to nothing known and
     * is left alone.
     */
    if (sub_typo_has_hangul(buf_str(a))) {
	BUF    *conv = buf_alloc(buf_len(a) * 2 + 1);
	const char *cdom;
	int     ok = 0;

	sub_hangul_keys(buf_str(a), conv);
	sub_typo_punct(conv);
	sub_typo_lower_domain(conv);
	if ((cdom = strrchr(buf_str(conv), '@')) != 0) {
	    cdom++;
	    ok = sub_typo_known(cdom) || sub_typo_domain(cdom, how) != 0;
	} else {
	    /* No "@": maybe typed as "2" in 한글 mode? Not guessable. */
	    ok = 0;
	}
	if (ok) {
	    buf_reset(prev);
	    buf_append(prev, buf_str(a), buf_len(a));
	    buf_reset(a);
	    sub_hangul_keys(buf_str(prev), a);
	    sub_typo_lower_domain(a);
	    sub_typo_note(change, "hangul keyboard", buf_str(prev), buf_str(a));
	}
	buf_free(conv);
    }
    SUB_TYPO_STEP("punctuation", sub_typo_punct(a));
    if ((at = strrchr(buf_str(a), '@')) != 0 && at[1]) {
	const char *fixed;

	buf_reset(how);
	if ((fixed = sub_typo_domain(at + 1, how)) != 0) {
	    char    what[64];
	    size_t  keep = (size_t) (at + 1 - buf_str(a));

	    snprintf(what, sizeof(what), "domain (%s)", buf_str(how));
	    buf_reset(prev);
	    buf_append(prev, buf_str(a), buf_len(a));
	    buf_truncate(a, keep);
	    buf_puts(a, fixed);
	    sub_typo_note(change, what, buf_str(prev), buf_str(a));
	} else if (strcmp(buf_str(how), "ambiguous") == 0) {
	    if (buf_len(change))
		buf_puts(change, "; ");
	    buf_printf(change, "domain %s: ambiguous, not changed", at + 1);
	}
    }
    if (mode == SUB_TYPO_FIX) {
	buf_reset(out);
	buf_append(out, buf_str(a), buf_len(a));
    } else if (buf_len(change)) {
	buf_reset(prev);
	buf_printf(prev, "not applied (--typo report): %s", buf_str(change));
	buf_reset(change);
	buf_append(change, buf_str(prev), buf_len(prev));
    }
done:
    buf_free(a);
    buf_free(prev);
    buf_free(how);
    return (buf_len(change) > 0);
}
