/*
 * NAME
 *	bp_reason 3 - from status code and remote reply to a reason class
 * DESCRIPTION
 *	See bp_reason.h. The decision procedure follows Sisimai 5's
 *	Sisimai::Reason (get, anotherone) and the true() tests of its
 *	Sisimai::Reason::* classes; the pattern tables are generated from
 *	Sisimai's sources (bp_reason_tab.c) plus postbulk's own additions
 *	(bp_reason_extra.c: Sisimai 5 classes, Korean portals).
 *	Sisimai: (C) azumakuniyuki, BSD 2-Clause License.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mem.h"
#include "log.h"
#include "buf.h"
#include "hash64.h"

#include "bp_rxlit.h"
#include "bp_reason.h"

/* D.S.N code to reason (Sisimai::SMTP::Status, adjusted to Sisimai 5). */

static const struct {
    const char *code;
    const char *name;
}       bp_status_tab[] = {
    {"2.1.5", "delivered"},
    {"4.1.6", "hasmoved"}, {"4.1.7", "rejected"}, {"4.1.8", "rejected"},
    {"4.1.9", "systemerror"}, {"4.2.1", "suspend"}, {"4.2.2", "mailboxfull"},
    {"4.2.3", "exceedlimit"}, {"4.2.4", "filtered"}, {"4.3.1", "systemfull"},
    {"4.3.2", "notaccept"}, {"4.3.3", "systemerror"}, {"4.3.5", "systemerror"},
    {"4.4.1", "expired"}, {"4.4.2", "networkerror"}, {"4.4.4", "networkerror"},
    {"4.4.5", "systemfull"}, {"4.4.6", "networkerror"}, {"4.4.7", "expired"},
    {"4.5.3", "systemerror"}, {"4.5.5", "systemerror"}, {"4.6.0", "contenterror"},
    {"4.6.2", "contenterror"}, {"4.6.5", "contenterror"}, {"4.7.1", "blocked"},
    {"4.7.2", "blocked"}, {"4.7.5", "securityerror"}, {"4.7.6", "securityerror"},
    {"4.7.7", "securityerror"}, {"4.7.12", "securityerror"},
    {"4.7.15", "securityerror"}, {"4.7.16", "mesgtoobig"},
    {"4.7.24", "authfailure"}, {"4.7.25", "requireptr"}, {"4.7.26", "authfailure"},
    {"5.1.0", "userunknown"}, {"5.1.1", "userunknown"}, {"5.1.2", "hostunknown"},
    {"5.1.3", "userunknown"}, {"5.1.4", "filtered"}, {"5.1.6", "hasmoved"},
    {"5.1.7", "rejected"}, {"5.1.8", "rejected"}, {"5.1.9", "systemerror"},
    {"5.1.10", "notaccept"}, {"5.2.0", "filtered"}, {"5.2.1", "filtered"},
    {"5.2.2", "mailboxfull"}, {"5.2.3", "exceedlimit"}, {"5.2.4", "filtered"},
    {"5.3.0", "systemerror"}, {"5.3.1", "systemfull"}, {"5.3.2", "notaccept"},
    {"5.3.3", "systemerror"}, {"5.3.4", "mesgtoobig"}, {"5.3.5", "systemerror"},
    {"5.4.0", "networkerror"}, {"5.4.3", "systemerror"}, {"5.4.4", "hostunknown"},
    {"5.5.3", "toomanyconn"}, {"5.5.4", "systemerror"}, {"5.5.5", "systemerror"},
    {"5.5.6", "securityerror"}, {"5.6.0", "contenterror"}, {"5.6.1", "contenterror"},
    {"5.6.2", "contenterror"}, {"5.6.3", "contenterror"}, {"5.6.5", "contenterror"},
    {"5.6.6", "contenterror"}, {"5.6.7", "contenterror"}, {"5.6.8", "contenterror"},
    {"5.6.9", "contenterror"}, {"5.7.0", "securityerror"}, {"5.7.1", "securityerror"},
    {"5.7.2", "securityerror"}, {"5.7.3", "securityerror"}, {"5.7.4", "securityerror"},
    {"5.7.5", "securityerror"}, {"5.7.6", "securityerror"}, {"5.7.7", "securityerror"},
    {"5.7.8", "securityerror"}, {"5.7.9", "securityerror"}, {"5.7.10", "securityerror"},
    {"5.7.11", "securityerror"}, {"5.7.13", "suspend"}, {"5.7.14", "securityerror"},
    {"5.7.15", "securityerror"}, {"5.7.16", "mesgtoobig"}, {"5.7.17", "hasmoved"},
    {"5.7.18", "hasmoved"}, {"5.7.19", "securityerror"}, {"5.7.20", "authfailure"},
    {"5.7.21", "authfailure"}, {"5.7.22", "authfailure"}, {"5.7.23", "authfailure"},
    {"5.7.24", "authfailure"}, {"5.7.25", "requireptr"}, {"5.7.26", "authfailure"},
    {"5.7.27", "notaccept"},
    {0, 0},
};

/*
 * Substring pre-filter: the three-byte sequences present in a lowercased
 * text, hashed to 16 bits (BP_TRI). A needle with a sequence the text
 * lacks cannot occur in it, so strstr() runs only for needles that may
 * match; the answers are those of strstr() alone. (Byte pairs were too
 * common in a long text to rule much out.) A sequence is present when
 * its entry in bp_tri_seen holds the stamp of the current set, so a new
 * set needs no clearing. The set is of the text in bp_tri_src; it is
 * used for the text at bp_tri_text (same bytes) between bp_lcindex()
 * and bp_lcindex_drop(). bp_reason_phrase() hashes every position of
 * its text anyway and leaves the set of that text behind: a recipient's
 * diagnostic is indexed once for bp_scrape and bp_reason_classify().
 */
#define BP_TRI_OF(w)	(((unsigned) (w) * 2654435761u) >> 16)
#define BP_TRI(a, b, c) \
    BP_TRI_OF((unsigned) (a) | (unsigned) (b) << 8 | (unsigned) (c) << 16)

static unsigned char bp_tri_seen[65536];
static unsigned char bp_tri_stamp;
static BUF *bp_tri_src;
static const char *bp_tri_text;

/* bp_tri_new - start the (empty) set of a new text */

static void bp_tri_new(const char *text, size_t len)
{
    if (++bp_tri_stamp == 0) {
	memset(bp_tri_seen, 0, sizeof(bp_tri_seen));
	bp_tri_stamp = 1;
    }
    if (bp_tri_src == 0)
	bp_tri_src = buf_alloc(1024);
    buf_reset(bp_tri_src);
    buf_append(bp_tri_src, text, len);
    bp_tri_text = 0;
}

/* bp_lcindex - use the pre-filter for lctext, until bp_lcindex_drop() */

void    bp_lcindex(const char *lctext)
{
    const unsigned char *p = (const unsigned char *) lctext;
    size_t  len = strlen(lctext);

    if (bp_tri_src == 0 || len != buf_len(bp_tri_src)
	|| memcmp(lctext, buf_str(bp_tri_src), len) != 0) {
	bp_tri_new(lctext, len);
	if (len >= 3)
	    for (; p[2]; p++)
		bp_tri_seen[BP_TRI(p[0], p[1], p[2])] = bp_tri_stamp;
    }
    bp_tri_text = lctext;
}

/* bp_lcindex_drop - the indexed text may change now */

void    bp_lcindex_drop(void)
{
    bp_tri_text = 0;
}

/* bp_lcfind - strstr(lctext, needle) != 0, with the pre-filter */

int     bp_lcfind(const char *lctext, const char *needle)
{
    const unsigned char *n = (const unsigned char *) needle;

    if (lctext == bp_tri_text && n[0] && n[1])
	for (; n[2]; n++)
	    if (bp_tri_seen[BP_TRI(n[0], n[1], n[2])] != bp_tri_stamp)
		return (0);
    return (strstr(lctext, needle) != 0);
}

/*
 * A substring of the pattern tables, with the hashes of its three-byte
 * sequences when many texts are classified (bp_use_jit, as for the JIT
 * compilation: computing them costs more than one text saves).
 */
typedef struct BP_NEEDLE {
    const char *s;			/* lowercase substring */
    unsigned short *tri;		/* BP_TRI of each sequence, or NULL */
    int     ntri;
} BP_NEEDLE;

/*
 * bp_tri_common - how common a three-byte sequence is in English text,
 * roughly: the sum of its bytes' ranks (space and frequent letters high).
 */
static int bp_tri_common(const unsigned char *u)
{
    static const char order[] = "zqjxkvbpygfwmucldrhsnioate ";	/* rare first */
    static unsigned char rank[256];
    int     i;

    if (rank[' '] == 0)
	for (i = 0; order[i]; i++)
	    rank[(unsigned char) order[i]] = (unsigned char) (i + 1);
    return (rank[u[0]] + rank[u[1]] + rank[u[2]]);
}

/*
 * bp_needle_init - prepare one substring, its hashes at tri (room for
 * strlen(s) - 2 of them) unless that is NULL. The rarest sequence is
 * stored first: an absent needle is then mostly ruled out by the first
 * test.
 */
static void bp_needle_init(BP_NEEDLE *n, const char *s, unsigned short *tri)
{
    const unsigned char *u = (const unsigned char *) s;
    size_t  len = strlen(s), i, rare = 0;
    int     r, rare_r = INT_MAX;
    unsigned short h;

    n->s = s;
    n->ntri = len >= 3 ? (int) (len - 2) : 0;
    if ((n->tri = tri) == 0)
	return;
    for (i = 0; i + 3 <= len; i++) {
	tri[i] = (unsigned short) BP_TRI(u[i], u[i + 1], u[i + 2]);
	if ((r = bp_tri_common(u + i)) < rare_r) {
	    rare_r = r;
	    rare = i;
	}
    }
    if (rare > 0) {
	h = tri[0];
	tri[0] = tri[rare];
	tri[rare] = h;
    }
}

/* bp_needle_tri - room for the hashes of a substring, if they are kept */

static unsigned short *bp_needle_tri(const char *s)
{
    size_t  len = strlen(s);

    return (bp_use_jit && len >= 3 ? xcalloc(len - 2, sizeof(unsigned short)) : 0);
}

/*
 * bp_needle_list - prepare a null-terminated list of substrings; their
 * hashes share one allocation.
 */
static BP_NEEDLE *bp_needle_list(const char *const *list, int *count)
{
    BP_NEEDLE *n;
    unsigned short *tri = 0;
    size_t  total = 0, len;
    int     i;

    for (i = 0; list && list[i]; i++)
	if ((len = strlen(list[i])) >= 3)
	    total += len - 2;
    *count = i;
    if (i == 0)
	return (0);
    n = xcalloc(i, sizeof(*n));
    if (bp_use_jit)
	tri = xcalloc(total + 1, sizeof(*tri));
    for (i = 0; list[i]; i++) {
	bp_needle_init(n + i, list[i], tri);
	if (tri)
	    tri += n[i].ntri;
    }
    return (n);
}

/* bp_needle_in - strstr() with the pre-filter when it applies */

static inline int bp_needle_in(const BP_NEEDLE *n, const char *text)
{
    int     i;

    if (text != bp_tri_text)
	return (strstr(text, n->s) != 0);
    if (n->tri == 0)
	return (bp_lcfind(text, n->s));
    for (i = 0; i < n->ntri; i++)
	if (bp_tri_seen[n->tri[i]] != bp_tri_stamp)
	    return (0);
    return (strstr(text, n->s) != 0);
}

/*
 * Compiled regular expressions of the pattern tables. A table regex is
 * a long alternation (hundreds of phrases) that PCRE2 would try at
 * every position of the text: it is split into its alternatives, each
 * with a literal it requires (bp_rxlit), and only the alternatives
 * whose literal occurs in the text run. The answer is that of the whole.
 */
typedef struct BP_RX {
    int     nalt;			/* alternatives; -1: run whole */
    BP_RXALT *alt;			/* sources and literals */
    BP_NEEDLE *lit;			/* their literals, prepared */
    pcre2_code **re;			/* per alternative, compiled on use */
    pcre2_code *rest;			/* alternatives without a literal */
    pcre2_code *whole;			/* the pattern when not split */
} BP_RX;

/*
 * The table entries of one reason class, in the order bp_reason_match()
 * tries them (bp_reason_sisimai[], then bp_reason_extra[]), prepared
 * when the class is first asked about. The classes are found by name
 * through a small open hash table.
 */
typedef struct BP_PAT {
    const BP_REASON_PAT *tab;		/* the table entry */
    int     extra;			/* from bp_reason_extra[] */
    BP_NEEDLE *isnot;			/* tab->isnot, prepared */
    BP_NEEDLE *index;			/* tab->index, prepared */
    int     nisnot;
    int     nindex;
    BP_RX  *rx;				/* tab->regex, split on first use */
} BP_PAT;

typedef struct BP_CLASS {
    const char *name;
    BP_PAT *pat;
    int     npat;
    int     ready;			/* substrings prepared */
} BP_CLASS;

#define BP_CLASS_MAX	64
#define BP_CLASS_SLOTS	128		/* power of 2, > BP_CLASS_MAX */

static BP_CLASS bp_class[BP_CLASS_MAX];
static int bp_nclass;
static unsigned char bp_class_slot[BP_CLASS_SLOTS];	/* index + 1, 0 free */

static pcre2_code **bp_rx_engine;
static pcre2_match_data *bp_md;

/*
 * JIT compilation pays off only when a pattern runs many times: a pipe
 * process classifies one message, --classify over many files sets it.
 */
int     bp_use_jit;

/* bp_compile - compile one pattern, panic on a bad built-in one */

static pcre2_code *bp_compile(const char *pat, uint32_t flags)
{
    pcre2_code *re;
    int     err;
    PCRE2_SIZE off;

    re = pcre2_compile((PCRE2_SPTR) pat, PCRE2_ZERO_TERMINATED,
		       flags | PCRE2_CASELESS, &err, &off, NULL);
    if (re == 0) {
	PCRE2_UCHAR msg[256];

	pcre2_get_error_message(err, msg, sizeof(msg));
	log_panic("bp_reason: bad built-in pattern at %zu: %s: %.60s",
		  (size_t) off, (char *) msg, pat);
    }
    if (bp_use_jit)
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return (re);
}

/* bp_class_slot_of - the hash slot of a class name (free or its own) */

static unsigned bp_class_slot_of(const char *name)
{
    unsigned h;

    for (h = (unsigned) hash64_str(name) & (BP_CLASS_SLOTS - 1); bp_class_slot[h] != 0; h = (h + 1) & (BP_CLASS_SLOTS - 1))
	if (strcmp(bp_class[bp_class_slot[h] - 1].name, name) == 0)
	    break;
    return (h);
}

/* bp_class_find - the class of that name, or NULL */

static BP_CLASS *bp_class_find(const char *name)
{
    unsigned h = bp_class_slot_of(name);

    return (bp_class_slot[h] ? bp_class + bp_class_slot[h] - 1 : 0);
}

/* bp_class_add - file one table entry under its class */

static void bp_class_add(const BP_REASON_PAT *tab, int extra)
{
    unsigned h = bp_class_slot_of(tab->name);
    BP_CLASS *c;
    BP_PAT *p;

    if (bp_class_slot[h] == 0) {
	if (bp_nclass == BP_CLASS_MAX)
	    log_panic("bp_reason: more than %d reason classes", BP_CLASS_MAX);
	bp_class[bp_nclass].name = tab->name;
	bp_class_slot[h] = (unsigned char) ++bp_nclass;
    }
    c = bp_class + bp_class_slot[h] - 1;
    c->pat = xrealloc(c->pat, (c->npat + 1) * sizeof(*c->pat));
    p = c->pat + c->npat++;
    memset(p, 0, sizeof(*p));
    p->tab = tab;
    p->extra = extra;
}

/* bp_class_prepare - the substrings of a class, on first use */

static void bp_class_prepare(BP_CLASS *c)
{
    BP_PAT *p;

    for (p = c->pat; p < c->pat + c->npat; p++) {
	p->isnot = bp_needle_list(p->tab->isnot, &p->nisnot);
	p->index = bp_needle_list(p->tab->index, &p->nindex);
    }
    c->ready = 1;
}

/* bp_reason_init - the class index; patterns are prepared on use */

static void bp_reason_init(void)
{
    int     n;

    if (bp_md)
	return;
    for (n = 0; bp_reason_sisimai[n].name; n++)
	bp_class_add(bp_reason_sisimai + n, 0);
    for (n = 0; bp_reason_extra[n].name; n++)
	bp_class_add(bp_reason_extra + n, 1);
    for (n = 0; bp_reason_engine[n].name; n++)
	 /* void */ ;
    bp_rx_engine = xcalloc(n + 1, sizeof(*bp_rx_engine));
    bp_md = pcre2_match_data_create(8, NULL);
}

/* bp_rx - regex search */

static int bp_rx(pcre2_code *re, const char *text)
{
    return (pcre2_match(re, (PCRE2_SPTR) text, strlen(text), 0, 0, bp_md, NULL) >= 0);
}

/* bp_rx_prepare - split a table regex, compile what runs always */

static BP_RX *bp_rx_prepare(const char *pat)
{
    BP_RX  *rx = xcalloc(1, sizeof(*rx));
    BUF    *rest;
    int     i, nrest = 0;

    if ((rx->nalt = bp_rxlit_split(pat, 1, &rx->alt)) < 0) {
	rx->whole = bp_compile(pat, PCRE2_EXTENDED);
	return (rx);
    }
    rx->re = xcalloc(rx->nalt + 1, sizeof(*rx->re));
    rx->lit = xcalloc(rx->nalt + 1, sizeof(*rx->lit));
    rest = buf_alloc(256);
    for (i = 0; i < rx->nalt; i++) {
	if (rx->alt[i].lit) {
	    bp_needle_init(rx->lit + i, rx->alt[i].lit, bp_needle_tri(rx->alt[i].lit));
	    continue;
	}
	if (nrest++)
	    buf_putc(rest, '|');
	buf_puts(rest, rx->alt[i].src);
    }
    if (nrest)
	rx->rest = bp_compile(buf_str(rest), PCRE2_EXTENDED);
    buf_free(rest);
    return (rx);
}

/* bp_rx_run - does text match the (split) regex? */

static int bp_rx_run(BP_RX *rx, const char *text)
{
    int     i;

    if (rx->whole)
	return (bp_rx(rx->whole, text));
    for (i = 0; i < rx->nalt; i++) {
	if (rx->alt[i].lit == 0 || bp_needle_in(rx->lit + i, text) == 0)
	    continue;
	if (rx->re[i] == 0)
	    rx->re[i] = bp_compile(rx->alt[i].src, PCRE2_EXTENDED);
	if (bp_rx(rx->re[i], text))
	    return (1);
    }
    return (rx->rest ? bp_rx(rx->rest, text) : 0);
}

/* bp_pat_match - one table entry against lowercase text */

static int bp_pat_match(BP_PAT *p, const char *text)
{
    int     i;

    for (i = 0; i < p->nisnot; i++)
	if (bp_needle_in(p->isnot + i, text))
	    return (0);
    for (i = 0; i < p->nindex; i++)
	if (bp_needle_in(p->index + i, text))
	    return (1);
    if (p->tab->regex == 0)
	return (0);
    if (p->rx == 0)
	p->rx = bp_rx_prepare(p->tab->regex);
    return (bp_rx_run(p->rx, text));
}

/* bp_class_match - the entries of one class (extra_only: postbulk's) */

static int bp_class_match(BP_CLASS *c, const char *text, int extra_only)
{
    int     i;

    if (!c->ready)
	bp_class_prepare(c);
    for (i = 0; i < c->npat; i++)
	if ((!extra_only || c->pat[i].extra) && bp_pat_match(c->pat + i, text))
	    return (1);
    return (0);
}

/* bp_reason_match - the patterns of one reason class */

int     bp_reason_match(const char *reason, const char *text)
{
    BP_CLASS *c;

    bp_reason_init();
    if (text == 0 || *text == 0 || (c = bp_class_find(reason)) == 0)
	return (0);
    return (bp_class_match(c, text, 0));
}

/*
 * Per-recipient memo: the decision procedure asks about the same class
 * several times (userunknown alone up to four times); each pattern set
 * runs at most once per diagnostic. bp_memo_clear() starts a new one.
 */
static signed char bp_memo[BP_CLASS_MAX];	/* -1: not asked yet */

static void bp_memo_clear(void)
{
    memset(bp_memo, -1, sizeof(bp_memo));
}

/*
 * bp_rm - bp_reason_match() with the memo. It is only asked with class
 * names that are constant strings of this file: a small cache from
 * their addresses to the class saves the hash lookup.
 */
#define BP_RM_CACHE	64

static int bp_rm(const char *reason, const char *text)
{
    static struct {
	const char *name;
	BP_CLASS *class;
    }       cache[BP_RM_CACHE];
    unsigned slot = (unsigned) (((uintptr_t) reason >> 3) % BP_RM_CACHE);
    BP_CLASS *c;
    int     i;

    bp_reason_init();
    if (cache[slot].name == reason) {
	c = cache[slot].class;
    } else {
	if ((c = bp_class_find(reason)) == 0)
	    return (0);
	cache[slot].name = reason;
	cache[slot].class = c;
    }
    i = (int) (c - bp_class);
    if (bp_memo[i] < 0)
	bp_memo[i] = (signed char) (*text != 0 && bp_class_match(c, text, 0));
    return (bp_memo[i]);
}

/* bp_extra_match - postbulk's own patterns of one class only */

static int bp_extra_match(const char *reason, const char *text)
{
    BP_CLASS *c;

    bp_reason_init();
    return ((c = bp_class_find(reason)) != 0 && bp_class_match(c, text, 1));
}

/*
 * bp_reason_phrase - fixed MTA error texts
 *
 * One pass over the text finds every phrase of three bytes or more: a
 * phrase is filed under the hash of its first three bytes, and at each
 * position of the text only the phrases filed under the hash there are
 * compared. The answer is the first phrase in table order that occurs
 * (regex entries and shorter phrases are tried in their turn).
 */
#define BP_PH_BUCKETS	(1 << 16)	/* every BP_TRI value (>> 16 of 32 bits) */

static short bp_ph_head[BP_PH_BUCKETS];	/* first phrase + 1, 0: none */
static short *bp_ph_next;		/* next phrase + 1, 0: none */
static size_t *bp_ph_len;
static short *bp_ph_direct;		/* regex or short: try in turn */
static int bp_ph_ndirect;
static int bp_ph_n = -1;

static void bp_phrase_init(void)
{
    const unsigned char *t;
    unsigned h;
    int     i;

    for (i = 0; bp_reason_engine[i].name; i++)
	 /* void */ ;
    bp_ph_n = i;
    bp_ph_next = xcalloc(i + 1, sizeof(*bp_ph_next));
    bp_ph_len = xcalloc(i + 1, sizeof(*bp_ph_len));
    bp_ph_direct = xcalloc(i + 1, sizeof(*bp_ph_direct));
    if (bp_ph_n >= SHRT_MAX)
	log_panic("bp_reason: %d engine phrases, at most %d", bp_ph_n, SHRT_MAX - 1);
    for (i = 0; i < bp_ph_n; i++) {
	bp_ph_len[i] = strlen(bp_reason_engine[i].text);
	if (bp_reason_engine[i].is_regex || bp_ph_len[i] < 3)
	    bp_ph_direct[bp_ph_ndirect++] = (short) i;
    }
    for (i = bp_ph_n - 1; i >= 0; i--) {
	t = (const unsigned char *) bp_reason_engine[i].text;
	if (bp_reason_engine[i].is_regex || bp_ph_len[i] < 3)
	    continue;
	h = BP_TRI(t[0], t[1], t[2]);
	bp_ph_next[i] = bp_ph_head[h];
	bp_ph_head[h] = (short) (i + 1);
    }
}

const char *bp_reason_phrase(const char *text)
{
    const unsigned char *t = (const unsigned char *) text;
    size_t  len = strlen(text), p;
    unsigned h, w;
    int     i, j, best;

    bp_reason_init();
    if (bp_ph_n < 0)
	bp_phrase_init();
    best = bp_ph_n;
    /* Every position: the substring pre-filter's set comes along. */
    bp_tri_new(text, len);
    w = len >= 2 ? (unsigned) t[0] | (unsigned) t[1] << 8 : 0;
    for (p = 0; p + 3 <= len; p++, w >>= 8) {
	w |= (unsigned) t[p + 2] << 16;		/* t[p], t[p + 1], t[p + 2] */
	h = BP_TRI_OF(w);
	bp_tri_seen[h] = bp_tri_stamp;
	for (i = bp_ph_head[h] - 1; i >= 0; i = bp_ph_next[i] - 1)
	    if (i < best && bp_ph_len[i] <= len - p
		&& memcmp(text + p, bp_reason_engine[i].text, bp_ph_len[i]) == 0)
		best = i;
    }
    for (j = 0; j < bp_ph_ndirect && (i = bp_ph_direct[j]) < best; j++) {
	if (bp_reason_engine[i].is_regex) {
	    if (bp_rx_engine[i] == 0)
		bp_rx_engine[i] = bp_compile(bp_reason_engine[i].text, 0);
	    if (bp_rx(bp_rx_engine[i], text))
		return (bp_reason_engine[i].name);
	} else if (strstr(text, bp_reason_engine[i].text) != 0)
	    return (bp_reason_engine[i].name);
    }
    return (best < bp_ph_n ? bp_reason_engine[best].name : 0);
}

/* bp_status_name - D.S.N code to reason */

const char *bp_status_name(const char *status)
{
    static char last[16];		/* the decision asks many times */
    static const char *last_name;
    const char *name = "";
    int     i;

    if (status == 0 || *status == 0)
	return ("");
    if (last[0] && strcmp(last, status) == 0)
	return (last_name);
    for (i = 0; bp_status_tab[i].code; i++)
	if (bp_status_tab[i].code[0] == status[0] && bp_status_tab[i].code[1] == status[1]
	    && bp_status_tab[i].code[2] == status[2]
	    && strcmp(bp_status_tab[i].code, status) == 0) {
	    name = bp_status_tab[i].name;
	    break;
	}
    if (strlen(status) < sizeof(last)) {
	strcpy(last, status);
	last_name = name;
    }
    return (name);
}

/* bp_status_find - D.S.N code in free text (Sisimai::SMTP::Status::find) */

int     bp_status_find(const char *text, char *out, size_t len)
{
    static pcre2_code *re[4];
    static const char *const pats[4] = {
	"[ ]?[(][#]([45][.]\\d[.]\\d+)[)]?[ ]?",
	"\\b\\d{3}[ -][#]?([45][.]\\d[.]\\d+)\\b",
	"\\b([45][.]\\d[.]\\d+)\\b",
	"\\b(2[.][0-7][.][0-7])\\b",
    };
    int     i;
    size_t  start, first, tlen;
    const char *dot;

    /*
     * Every pattern needs "[245].D." (a digit, dot, digit, dot): most
     * texts have none, and then no pattern needs to run.
     */
    for (dot = text; (dot = strchr(dot, '.')) != 0; dot++)
	if (dot > text && dot[-1] >= '2' && dot[-1] <= '5'
	    && dot[1] >= '0' && dot[1] <= '9' && dot[2] == '.')
	    break;
    if (dot == 0)
	return (0);

    /*
     * No match starts more than 5 bytes ("550 #") before the first
     * such code: the search starts there (PCRE2 still looks behind
     * the start for \b).
     */
    first = (size_t) (dot - 1 - text);
    first = first > 5 ? first - 5 : 0;
    tlen = strlen(text);
    bp_reason_init();
    if (re[0] == 0)
	for (i = 0; i < 4; i++)
	    re[i] = bp_compile(pats[i], 0);
    for (i = 0; i < 4; i++) {
	start = first;
	while (pcre2_match(re[i], (PCRE2_SPTR) text, tlen, start, 0, bp_md, NULL) > 1) {
	    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(bp_md);
	    size_t  s = ov[2], e = ov[3];

	    start = ov[1] > start ? ov[1] : start + 1;
	    /* Skip what is part of an IPv4 address (192.0.2.1). */
	    if ((s >= 2 && text[s - 1] == '.' && isdigit((unsigned char) text[s - 2]))
		|| (text[e] == '.' && isdigit((unsigned char) text[e + 1])))
		continue;
	    if (e - s >= len)
		continue;
	    memcpy(out, text + s, e - s);
	    out[e - s] = 0;
	    return (1);
	}
    }
    return (0);
}

/* bp_ascii_lower - ASCII lowercase in place, white space as it is */

void    bp_ascii_lower(char *s)
{
    for (; *s; s++)
	if (*s >= 'A' && *s <= 'Z')
	    *s += 'a' - 'A';
}

/*
 * bp_lowercase - ASCII lowercase, whitespace runs folded to one space
 *
 * The last text and its result are kept: a recipient's diagnostic is
 * lowercased by bp_scrape_facts() and again by bp_reason_classify().
 */
void    bp_lowercase(const char *s, BUF *out)
{
    static unsigned char low[256];	/* lowercase; 0 for white space */
    static BUF *last_in, *last_out;
    const unsigned char *p, *e;
    unsigned char *d, c;
    size_t  len;
    int     i;

    if (low['a'] == 0) {
	for (i = 0; i < 256; i++)
	    low[i] = (unsigned char) ((i >= 'A' && i <= 'Z') ? i + ('a' - 'A') : i);
	low[' '] = low['\t'] = low['\n'] = low['\r'] = 0;
	low[0] = 0;
	last_in = buf_alloc(1024);
	last_out = buf_alloc(1024);
    }
    len = strlen(s);
    if (len == buf_len(last_in) && memcmp(s, buf_str(last_in), len) == 0) {
	buf_reset(out);
	buf_append(out, buf_str(last_out), buf_len(last_out));
	return;
    }
    buf_reset(last_in);
    buf_append(last_in, s, len);
    /* Copied once, then rewritten in place: the result is never longer. */
    if (s != out->data) {
	buf_reset(out);
	buf_append(out, s, len);
    }
    p = (const unsigned char *) out->data;
    e = p + len;
    d = (unsigned char *) out->data;
    while (p < e && low[*p] == 0)
	p++;
    for (;;) {
	/*
	 * Other bytes, two at a time; the terminating null byte (low[0]
	 * == 0) ends them.
	 */
	while ((c = low[p[0]]) != 0) {
	    d[0] = c;
	    if ((c = low[p[1]]) == 0) {
		d++;
		p++;
		break;
	    }
	    d[1] = c;
	    d += 2;
	    p += 2;
	}
	/* A run of white space: one space, none at the end. */
	while (p < e && low[*p] == 0)
	    p++;
	if (p >= e)
	    break;
	*d++ = ' ';
    }
    buf_truncate(out, (size_t) (d - (unsigned char *) out->data));
    buf_reset(last_out);
    buf_append(last_out, out->data, buf_len(out));
}

static int bp_in(const char *s, const char *const *list)
{
    for (; *list; list++)
	if (strcmp(s, *list) == 0)
	    return (1);
    return (0);
}

static const char *const bp_retry[] = {
    "undefined", "onhold", "systemerror", "securityerror", "networkerror", 0,
};
static const char *const bp_pre_data[] = {"CONN", "EHLO", "HELO", "MAIL", "RCPT", 0};

/*
 * How bp_true() decides a class: the tests of Sisimai::Reason::X->true()
 * differ by class; bp_reason_classify() names the test with the class.
 */
typedef enum BP_TRUE_TEST {
    BP_T_TEXT,				/* its texts */
    BP_T_CODE_OR_TEXT,			/* its D.S.N code, or its texts */
    BP_T_MESGTOOBIG,
    BP_T_NOTACCEPT,
    BP_T_NORELAYING,
    BP_T_USERUNKNOWN,
    BP_T_FILTERED,
    BP_T_REJECTED,
    BP_T_HOSTUNKNOWN,
    BP_T_SPAMDETECTED,
} BP_TRUE_TEST;

/*
 * bp_true - Sisimai::Reason::X->true() for class e, tested as test says;
 * name is the reason of r's D.S.N code (bp_status_name()).
 */
static int bp_true(const char *e, BP_TRUE_TEST test, const BP_RCPT *r,
		           const char *name, const char *lc)
{
    const char *cmd = r->command;

    switch (test) {
    case BP_T_CODE_OR_TEXT:
	return (strcmp(name, e) == 0 || bp_rm(e, lc));
    case BP_T_MESGTOOBIG:
	if (strcmp(name, e) == 0)
	    return (1);
	if (strcmp(name, "exceedlimit") == 0 || strcmp(r->status, "5.2.3") == 0)
	    return (0);
	return (bp_rm(e, lc));
    case BP_T_NOTACCEPT:
	/* Early notaccept: only the no-MX texts, not Sisimai 4's wider list. */
	return (bp_extra_match(e, lc));
    case BP_T_NORELAYING:
	if (strcmp(cmd, "CONN") == 0 || strcmp(cmd, "EHLO") == 0 || strcmp(cmd, "HELO") == 0)
	    return (0);
	return (bp_rm(e, lc));
    case BP_T_USERUNKNOWN:
	{
	    /*
	     * A rate or reputation reply sent with 5.1.1 (GoDaddy, some
	     * portals) is not an unknown user: never a hard bounce for the
	     * sender's problem.
	     */
	    static const char *const pre[] = {
		"norelaying", "blocked", "mailboxfull", "hasmoved", "rejected",
		"speeding", "ratelimited", "toomanyconn", "badreputation", 0,
	    };
	    const char *const *p;

	    if (strcmp(name, "suspend") == 0)
		return (0);
	    if (strcmp(name, e) == 0) {
		for (p = pre; *p; p++)
		    if (bp_rm(*p, lc))
			return (0);
		return (1);
	    }
	    /* Sisimai requires RCPT; a scraped bounce often names no command. */
	    if (strcmp(cmd, "RCPT") == 0)
		return (bp_rm(e, lc));
	    return (0);
	}
    case BP_T_FILTERED:
	if (strcmp(name, "suspend") == 0)
	    return (0);
	if (strcmp(name, e) == 0)
	    return (bp_rm("userunknown", lc) || bp_rm(e, lc));
	if (bp_in(cmd, bp_pre_data))
	    return (0);
	return (bp_rm(e, lc) || bp_rm("userunknown", lc));
    case BP_T_REJECTED:
	if (strcmp(name, e) == 0)
	    return (1);
	if (strcmp(cmd, "MAIL") == 0) {
	    static const char *const side[] = {
		"blocked", "speeding", "ratelimited", "toomanyconn", "spamdetected",
		"badreputation", "authfailure", "requireptr", "policyviolation",
		"securityerror", "systemerror", "networkerror", "systemfull", 0,
	    };
	    const char *const *p;

	    /* Refused at MAIL FROM: the sender was rejected, unless said why. */
	    if (bp_rm(e, lc))
		return (1);
	    for (p = side; *p; p++)
		if (bp_rm(*p, lc))
		    return (0);
	    return (r->status[0] == '5' || r->reply[0] == '5');
	}
	if (strcmp(cmd, "DATA") == 0)
	    return (strcmp(name, "userunknown") != 0 && bp_rm(e, lc));
	if (*name == 0 || strcmp(name, "onhold") == 0 || strcmp(name, "securityerror") == 0
	    || strcmp(name, "systemerror") == 0)
	    return (bp_rm(e, lc));
	return (0);
    case BP_T_HOSTUNKNOWN:
	if (strcmp(name, e) == 0)
	    return (!bp_rm("networkerror", lc));
	return (bp_rm(e, lc));
    case BP_T_SPAMDETECTED:
	if (strcmp(name, e) == 0)
	    return (1);
	if (bp_in(cmd, bp_pre_data))
	    return (0);
	return (bp_rm(e, lc));
    case BP_T_TEXT:
    default:
	return (bp_rm(e, lc));
    }
}

/*
 * bp_anotherone - Sisimai::Reason::anotherone(); name is the reason of
 * r's D.S.N code (bp_status_name()).
 */

static const char *bp_anotherone(const BP_RCPT *r, const char *name, const char *lc)
{
    static const char *const order[] = {
	"mailboxfull", "authfailure", "badreputation", "speeding", "ratelimited",
	"spamdetected", "virusdetected", "policyviolation", "norelaying",
	"systemerror", "networkerror", "suspend", "contenterror", "systemfull",
	"notaccept", "expired", "securityerror", "mailererror", 0,
    };
    const char *const *e;

    /*
     * "expired" only says the queue gave up; the reply usually says why
     * (DNS, connection, disk), and that is the better class.
     */
    /* A 5.4.4 that the text says is a DNS failure (HostUnknown::true). */
    if (strcmp(name, "hostunknown") == 0 && bp_rm("networkerror", lc))
	return ("networkerror");
    if (*name && strcmp(name, "userunknown") != 0 && strcmp(name, "expired") != 0
	&& !bp_in(name, bp_retry))
	return (name);
    if ((*name == 0 || strcmp(name, "expired") == 0) && r->hint[0]
	&& strcmp(r->command, "EHLO") != 0 && strcmp(r->command, "HELO") != 0)
	return (r->hint);
    for (e = order; *e; e++)
	if (bp_rm(*e, lc)) {
	    /* qmail: "my name was rejected ... in the queue too long". */
	    if (strcmp(*e, "expired") == 0
		&& (strcmp(r->command, "EHLO") == 0 || strcmp(r->command, "HELO") == 0))
		return ("blocked");
	    return (*e);
	}
    if (strncmp(r->status, "5.6", 3) == 0 || strncmp(r->status, "4.6", 3) == 0)
	return ("contenterror");
    if (strncmp(r->status, "5.7", 3) == 0 || strncmp(r->status, "4.7", 3) == 0)
	return ("securityerror");
    /* Postfix's own X-Postfix texts are network/DNS/user errors, not mailers. */
    if (strcasecmp(r->diagtype, "X-UNIX") == 0 && *name == 0)
	return ("mailererror");
    if ((r->reply[0] == '4' || r->reply[0] == '5') && r->reply[1] == '0'
	&& r->reply[2] >= '0' && r->reply[2] <= '7')
	return ("syntaxerror");
    if (strncasecmp(r->action, "delayed", 7) == 0 || strncasecmp(r->action, "expired", 7) == 0)
	return ("expired");
    if (strcmp(r->command, "EHLO") == 0 || strcmp(r->command, "HELO") == 0)
	return ("blocked");
    return (*name ? name : "");
}

/*
 * bp_unwrap_at - the end of a "550-5.2.1 " continuation prefix at p (a
 * word start of s), or NULL.
 */
static char *bp_unwrap_at(char *s, char *p)
{
    char   *q;

    if ((p == s || p[-1] == ' ') && (p[0] == '2' || p[0] == '4' || p[0] == '5')
	&& p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] == '-'
	&& p[4] == p[0] && p[5] == '.' && p[6] >= '0' && p[6] <= '9' && p[7] == '.') {
	q = p + 8;
	while (*q >= '0' && *q <= '9')
	    q++;
	if (*q == ' ')
	    return (q + 1);
    }
    return (0);
}

/*
 * bp_unwrap - drop "550-5.2.1 " continuation prefixes inside a joined
 * multi-line reply, so that phrases broken across lines match again.
 * Most texts have none: the "-" of each candidate is found first.
 */
static void bp_unwrap(BUF *lc)
{
    char   *s = buf_str(lc), *d = s, *p = s, *q;

    for (q = strchr(s, '-'); q; q = strchr(q + 1, '-'))
	if (q - s >= 3 && bp_unwrap_at(s, q - 3))
	    break;
    if (q == 0)
	return;
    d = p = q - 3;			/* nothing to drop before it */
    while (*p) {
	if ((q = bp_unwrap_at(s, p)) != 0) {
	    p = q;
	    continue;
	}
	*d++ = *p++;
    }
    *d = 0;
    buf_truncate(lc, (size_t) (d - s));
}

/* bp_reason_classify - decide reason and hard flag */

void    bp_reason_classify(BP_RCPT *r)
{
    /* The classes in the order of Sisimai::Reason::get, with their tests. */
    static const struct {
	const char *name;
	BP_TRUE_TEST test;
    }       order[] = {
	{"mailboxfull", BP_T_CODE_OR_TEXT}, {"mesgtoobig", BP_T_MESGTOOBIG},
	{"exceedlimit", BP_T_CODE_OR_TEXT}, {"suspend", BP_T_TEXT},
	{"hasmoved", BP_T_TEXT}, {"norelaying", BP_T_NORELAYING},
	{"authfailure", BP_T_CODE_OR_TEXT}, {"speeding", BP_T_TEXT},
	{"ratelimited", BP_T_TEXT}, {"userunknown", BP_T_USERUNKNOWN},
	{"filtered", BP_T_FILTERED}, {"requireptr", BP_T_CODE_OR_TEXT},
	{"notcompliantrfc", BP_T_TEXT}, {"badreputation", BP_T_TEXT},
	{"rejected", BP_T_REJECTED}, {"notaccept", BP_T_NOTACCEPT},
	{"hostunknown", BP_T_HOSTUNKNOWN}, {"spamdetected", BP_T_SPAMDETECTED},
	{"toomanyconn", BP_T_CODE_OR_TEXT}, {"blocked", BP_T_CODE_OR_TEXT},
	{0, BP_T_TEXT},
    };
    BUF    *lc;
    const char *res = 0, *name;
    int     i;

    /* A reason decided already, or delivered: the text is not read. */
    if (r->reason[0] && (r->decided || !bp_in(r->reason, bp_retry)))
	goto done;
    if (r->status[0] == '2') {
	bp_strlcpy(r->reason, "delivered", sizeof(r->reason));
	goto done;
    }
    lc = buf_alloc(buf_len(r->diag) + 1);
    bp_lowercase(buf_str(r->diag), lc);
    bp_unwrap(lc);
    bp_memo_clear();
    bp_lcindex(buf_str(lc));
    name = bp_status_name(r->status);
    if (r->diagtype[0] == 0 || strcasecmp(r->diagtype, "SMTP") == 0
	|| strcasecmp(r->diagtype, "X-POSTFIX") == 0) {
	for (i = 0; order[i].name; i++)
	    if (bp_true(order[i].name, order[i].test, r, name, buf_str(lc))) {
		res = order[i].name;
		break;
	    }
    }
    if (res == 0) {
	res = bp_anotherone(r, name, buf_str(lc));
	if (*res == 0 && r->reason[0])
	    res = r->reason;
	if (*res == 0 && r->hint[0])
	    res = r->hint;
	if (*res == 0 && strncasecmp(r->action, "delayed", 7) == 0)
	    res = "expired";
	if (*res == 0 && buf_len(lc))
	    res = "onhold";
	if (*res == 0)
	    res = "undefined";
    }
    /* res may be r->reason itself. */
    if (res != r->reason)
	bp_strlcpy(r->reason, res, sizeof(r->reason));
    bp_lcindex_drop();
    buf_free(lc);
done:
    r->hard = bp_reason_hard(r->reason, r->status, r->reply);
}

/* bp_reason_hard - the address itself is bad */

int     bp_reason_hard(const char *reason, const char *status, const char *reply)
{
    if (strcmp(reason, "userunknown") == 0 || strcmp(reason, "hostunknown") == 0
	|| strcmp(reason, "hasmoved") == 0)
	return (1);
    if (strcmp(reason, "notaccept") == 0)
	return (!(status && status[0] == '4') && !(reply && reply[0] == '4'));
    return (0);
}

/* bp_reason_sender_side - a class about the sender, never the address */

int     bp_reason_sender_side(const char *reason)
{
    static const char *const side[] = {
	"blocked", "spamdetected", "policyviolation", "toomanyconn", "speeding",
	"ratelimited", "badreputation", "requireptr", "authfailure",
	"securityerror", "networkerror", "expired", "systemerror", "rejected",
	"norelaying", "virusdetected", "contenterror", "notcompliantrfc",
	"mesgtoobig", "exceedlimit", "systemfull", "syntaxerror", "mailererror",
	"onhold", "undefined", "filtered", 0,
    };

    return (bp_in(reason, side));
}

/* bp_reason_mailbox_soft - soft problem of the mailbox itself */

int     bp_reason_mailbox_soft(const char *reason)
{
    static const char *const soft[] = {"mailboxfull", "suspend", 0};

    return (bp_in(reason, soft));
}
