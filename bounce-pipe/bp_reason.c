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
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <limits.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mem.h"
#include "log.h"
#include "buf.h"

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
 * Compiled regular expressions, parallel to the pattern tables. A table
 * regex is a long alternation (hundreds of phrases) that PCRE2 would try
 * at every position of the text: it is split into its alternatives, each
 * with a literal it requires (bp_rxlit), and only the alternatives whose
 * literal occurs in the text run. The answer is that of the whole.
 */
typedef struct BP_RX {
    int     nalt;			/* alternatives; -1: run whole */
    BP_RXALT *alt;			/* sources and literals */
    pcre2_code **re;			/* per alternative, compiled on use */
    pcre2_code *rest;			/* alternatives without a literal */
    pcre2_code *whole;			/* the pattern when not split */
} BP_RX;

static BP_RX **bp_rx_sisimai;
static BP_RX **bp_rx_extra;
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

/* bp_reason_init - room for the compiled tables; patterns compile on use */

static void bp_reason_init(void)
{
    int     n;

    if (bp_md)
	return;
    for (n = 0; bp_reason_sisimai[n].name; n++)
	 /* void */ ;
    bp_rx_sisimai = xcalloc(n + 1, sizeof(*bp_rx_sisimai));
    for (n = 0; bp_reason_extra[n].name; n++)
	 /* void */ ;
    bp_rx_extra = xcalloc(n + 1, sizeof(*bp_rx_extra));
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

/*
 * Substring pre-filter: the three-byte sequences present in the text
 * being classified, hashed to 16 bits. A needle with a sequence the
 * text lacks cannot occur in it, so strstr() runs only for needles
 * that may match; the answers are those of strstr() alone. (Byte pairs
 * were too common in a long text to rule much out.) Valid only for the
 * text it was built for (bp_pairs_text), between bp_pairs_build() and
 * bp_pairs_drop(), while the text is not changed.
 */
static unsigned char bp_pairs[65536 / 8];
static const char *bp_pairs_text;

#define BP_TRI(a, b, c) \
    ((((unsigned) (a) | (unsigned) (b) << 8 | (unsigned) (c) << 16) * 2654435761u) >> 16)

static void bp_pairs_build(const char *text)
{
    const unsigned char *p = (const unsigned char *) text;

    memset(bp_pairs, 0, sizeof(bp_pairs));
    if (p[0] && p[1]) {
	for (; p[2]; p++) {
	    unsigned h = BP_TRI(p[0], p[1], p[2]);

	    bp_pairs[h >> 3] |= (unsigned char) (1 << (h & 7));
	}
    }
    bp_pairs_text = text;
}

static void bp_pairs_drop(void)
{
    bp_pairs_text = 0;
}

/* bp_strstr - strstr() with the pre-filter when it applies */

static const char *bp_strstr(const char *text, const char *needle)
{
    if (text == bp_pairs_text && needle[0] && needle[1]) {
	const unsigned char *n = (const unsigned char *) needle;

	for (; n[2]; n++) {
	    unsigned h = BP_TRI(n[0], n[1], n[2]);

	    if ((bp_pairs[h >> 3] & (1 << (h & 7))) == 0)
		return (0);
	}
    }
    return (strstr(text, needle));
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
    rest = buf_alloc(256);
    for (i = 0; i < rx->nalt; i++) {
	if (rx->alt[i].lit)
	    continue;
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
	if (rx->alt[i].lit == 0 || bp_strstr(text, rx->alt[i].lit) == 0)
	    continue;
	if (rx->re[i] == 0)
	    rx->re[i] = bp_compile(rx->alt[i].src, PCRE2_EXTENDED);
	if (bp_rx(rx->re[i], text))
	    return (1);
    }
    return (rx->rest ? bp_rx(rx->rest, text) : 0);
}

/* bp_pat_match - one table entry against lowercase text */

static int bp_pat_match(const BP_REASON_PAT *p, BP_RX **re, const char *text)
{
    const char *const *cp;

    if (p->isnot)
	for (cp = p->isnot; *cp; cp++)
	    if (bp_strstr(text, *cp))
		return (0);
    if (p->index)
	for (cp = p->index; *cp; cp++)
	    if (bp_strstr(text, *cp))
		return (1);
    if (p->regex == 0)
	return (0);
    if (*re == 0)
	*re = bp_rx_prepare(p->regex);
    return (bp_rx_run(*re, text));
}

/* bp_reason_match - the patterns of one reason class */

int     bp_reason_match(const char *reason, const char *text)
{
    int     i;

    bp_reason_init();
    if (text == 0 || *text == 0)
	return (0);
    for (i = 0; bp_reason_sisimai[i].name; i++)
	if (bp_reason_sisimai[i].name[0] == reason[0]
	    && strcmp(bp_reason_sisimai[i].name, reason) == 0
	    && bp_pat_match(bp_reason_sisimai + i, bp_rx_sisimai + i, text))
	    return (1);
    for (i = 0; bp_reason_extra[i].name; i++)
	if (bp_reason_extra[i].name[0] == reason[0]
	    && strcmp(bp_reason_extra[i].name, reason) == 0
	    && bp_pat_match(bp_reason_extra + i, bp_rx_extra + i, text))
	    return (1);
    return (0);
}

/*
 * Per-recipient memo: the decision procedure asks about the same class
 * several times (userunknown alone up to four times); each pattern set
 * runs at most once per diagnostic.
 */
#define BP_MEMO_MAX 48
static const char *bp_memo_name[BP_MEMO_MAX];
static signed char bp_memo_val[BP_MEMO_MAX];
static int bp_memo_n;

static int bp_rm(const char *reason, const char *text)
{
    int     i, v;

    for (i = 0; i < bp_memo_n; i++)
	if (bp_memo_name[i] == reason || strcmp(bp_memo_name[i], reason) == 0)
	    return (bp_memo_val[i]);
    v = bp_reason_match(reason, text);
    if (bp_memo_n < BP_MEMO_MAX) {
	bp_memo_name[bp_memo_n] = reason;
	bp_memo_val[bp_memo_n++] = (signed char) v;
    }
    return (v);
}

/* bp_extra_match - postbulk's own patterns of one class only */

static int bp_extra_match(const char *reason, const char *text)
{
    int     i;

    bp_reason_init();
    for (i = 0; bp_reason_extra[i].name; i++)
	if (strcmp(bp_reason_extra[i].name, reason) == 0
	    && bp_pat_match(bp_reason_extra + i, bp_rx_extra + i, text))
	    return (1);
    return (0);
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
#define BP_PH_BUCKETS	4096

static short bp_ph_head[BP_PH_BUCKETS];
static short *bp_ph_next;
static size_t *bp_ph_len;
static unsigned char *bp_ph_direct;	/* regex or short: try in turn */
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
    for (h = 0; h < BP_PH_BUCKETS; h++)
	bp_ph_head[h] = -1;
    if (bp_ph_n > SHRT_MAX)
	log_panic("bp_reason: %d engine phrases, at most %d", bp_ph_n, SHRT_MAX);
    for (i = bp_ph_n - 1; i >= 0; i--) {
	t = (const unsigned char *) bp_reason_engine[i].text;
	bp_ph_len[i] = strlen(bp_reason_engine[i].text);
	if (bp_reason_engine[i].is_regex || bp_ph_len[i] < 3) {
	    bp_ph_direct[i] = 1;
	    continue;
	}
	h = BP_TRI(t[0], t[1], t[2]) % BP_PH_BUCKETS;
	bp_ph_next[i] = bp_ph_head[h];
	bp_ph_head[h] = (short) i;
    }
}

const char *bp_reason_phrase(const char *text)
{
    const unsigned char *t = (const unsigned char *) text;
    size_t  len = strlen(text), p;
    int     i, best;

    bp_reason_init();
    if (bp_ph_n < 0)
	bp_phrase_init();
    best = bp_ph_n;
    for (p = 0; p + 3 <= len; p++) {
	for (i = bp_ph_head[BP_TRI(t[p], t[p + 1], t[p + 2]) % BP_PH_BUCKETS]; i >= 0;
	     i = bp_ph_next[i])
	    if (i < best && bp_ph_len[i] <= len - p
		&& memcmp(text + p, bp_reason_engine[i].text, bp_ph_len[i]) == 0)
		best = i;
    }
    for (i = 0; i < best; i++) {
	if (!bp_ph_direct[i])
	    continue;
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
	if (strcmp(bp_status_tab[i].code, status) == 0) {
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

/* bp_lowercase - ASCII lowercase, whitespace runs folded to one space */

void    bp_lowercase(const char *s, BUF *out)
{
    static unsigned char low[256];	/* lowercase; 0 for white space */
    const unsigned char *p, *e;
    unsigned char *d, c;
    size_t  len;
    int     i;

    if (low['a'] == 0) {
	for (i = 0; i < 256; i++)
	    low[i] = (unsigned char) ((i >= 'A' && i <= 'Z') ? i + ('a' - 'A') : i);
	low[' '] = low['\t'] = low['\n'] = low['\r'] = 0;
	low[0] = 0;
    }
    /* Copied once, then rewritten in place: the result is never longer. */
    len = strlen(s);
    if (s != out->data) {
	buf_reset(out);
	buf_append(out, s, len);
    }
    p = (const unsigned char *) out->data;
    e = p + len;
    d = (unsigned char *) out->data;
    while (p < e && low[*p] == 0)
	p++;
    while (p < e) {
	if ((c = low[*p++]) != 0) {
	    *d++ = c;
	    continue;
	}
	/* A run of white space: one space, none at the end. */
	while (p < e && low[*p] == 0)
	    p++;
	if (p < e)
	    *d++ = ' ';
    }
    buf_truncate(out, (size_t) (d - (unsigned char *) out->data));
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

/* bp_true - Sisimai::Reason::X->true() */

static int bp_true(const char *e, const BP_RCPT *r, const char *lc)
{
    const char *name = bp_status_name(r->status);
    const char *cmd = r->command;

    if (strcmp(e, "mailboxfull") == 0 || strcmp(e, "exceedlimit") == 0
	|| strcmp(e, "authfailure") == 0 || strcmp(e, "requireptr") == 0
	|| strcmp(e, "toomanyconn") == 0 || strcmp(e, "blocked") == 0)
	return (strcmp(name, e) == 0 || bp_rm(e, lc));
    if (strcmp(e, "mesgtoobig") == 0) {
	if (strcmp(name, e) == 0)
	    return (1);
	if (strcmp(name, "exceedlimit") == 0 || strcmp(r->status, "5.2.3") == 0)
	    return (0);
	return (bp_rm(e, lc));
    }
    /* Early notaccept: only the no-MX texts, not Sisimai 4's wider list. */
    if (strcmp(e, "notaccept") == 0)
	return (bp_extra_match(e, lc));
    if (strcmp(e, "suspend") == 0 || strcmp(e, "hasmoved") == 0
	|| strcmp(e, "notcompliantrfc") == 0 || strcmp(e, "badreputation") == 0
	|| strcmp(e, "speeding") == 0 || strcmp(e, "ratelimited") == 0)
	return (bp_rm(e, lc));
    if (strcmp(e, "norelaying") == 0) {
	if (strcmp(cmd, "CONN") == 0 || strcmp(cmd, "EHLO") == 0 || strcmp(cmd, "HELO") == 0)
	    return (0);
	return (bp_rm(e, lc));
    }
    if (strcmp(e, "userunknown") == 0) {
	/*
	 * A rate or reputation reply sent with 5.1.1 (GoDaddy, some portals)
	 * is not an unknown user: never a hard bounce for the sender's problem.
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
    if (strcmp(e, "filtered") == 0) {
	if (strcmp(name, "suspend") == 0)
	    return (0);
	if (strcmp(name, e) == 0)
	    return (bp_rm("userunknown", lc) || bp_rm(e, lc));
	if (bp_in(cmd, bp_pre_data))
	    return (0);
	return (bp_rm(e, lc) || bp_rm("userunknown", lc));
    }
    if (strcmp(e, "rejected") == 0) {
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
    }
    if (strcmp(e, "hostunknown") == 0) {
	if (strcmp(name, e) == 0)
	    return (!bp_rm("networkerror", lc));
	return (bp_rm(e, lc));
    }
    if (strcmp(e, "spamdetected") == 0) {
	if (strcmp(name, e) == 0)
	    return (1);
	if (bp_in(cmd, bp_pre_data))
	    return (0);
	return (bp_rm(e, lc));
    }
    return (bp_rm(e, lc));
}

/* bp_anotherone - Sisimai::Reason::anotherone() */

static const char *bp_anotherone(const BP_RCPT *r, const char *lc)
{
    static const char *const order[] = {
	"mailboxfull", "authfailure", "badreputation", "speeding", "ratelimited",
	"spamdetected", "virusdetected", "policyviolation", "norelaying",
	"systemerror", "networkerror", "suspend", "contenterror", "systemfull",
	"notaccept", "expired", "securityerror", "mailererror", 0,
    };
    const char *name = bp_status_name(r->status);
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
 * bp_unwrap - drop "550-5.2.1 " continuation prefixes inside a joined
 * multi-line reply, so that phrases broken across lines match again.
 */
static void bp_unwrap(BUF *lc)
{
    char   *s = buf_str(lc), *d = s, *p = s;

    while (*p) {
	if ((p == s || p[-1] == ' ') && (p[0] == '2' || p[0] == '4' || p[0] == '5')
	    && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] == '-'
	    && p[4] == p[0] && p[5] == '.' && p[6] >= '0' && p[6] <= '9' && p[7] == '.') {
	    char   *q = p + 8;

	    while (*q >= '0' && *q <= '9')
		q++;
	    if (*q == ' ') {
		p = q + 1;
		continue;
	    }
	}
	*d++ = *p++;
    }
    *d = 0;
    buf_truncate(lc, (size_t) (d - s));
}

/* bp_reason_classify - decide reason and hard flag */

void    bp_reason_classify(BP_RCPT *r)
{
    static const char *const order[] = {
	"mailboxfull", "mesgtoobig", "exceedlimit", "suspend", "hasmoved",
	"norelaying", "authfailure", "speeding", "ratelimited", "userunknown",
	"filtered", "requireptr",
	"notcompliantrfc", "badreputation", "rejected", "notaccept", "hostunknown",
	"spamdetected", "toomanyconn", "blocked", 0,
    };
    BUF    *lc = buf_alloc(buf_len(r->diag) + 1);
    const char *const *e;
    const char *res = 0;

    bp_lowercase(buf_str(r->diag), lc);
    bp_unwrap(lc);
    bp_memo_n = 0;
    bp_pairs_build(buf_str(lc));
    if (r->reason[0] && (r->decided || !bp_in(r->reason, bp_retry)))
	goto done;
    if (r->status[0] == '2') {
	res = "delivered";
	goto set;
    }
    if (r->diagtype[0] == 0 || strcasecmp(r->diagtype, "SMTP") == 0
	|| strcasecmp(r->diagtype, "X-POSTFIX") == 0) {
	for (e = order; *e; e++)
	    if (bp_true(*e, r, buf_str(lc))) {
		res = *e;
		break;
	    }
    }
    if (res == 0) {
	res = bp_anotherone(r, buf_str(lc));
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
set:
    bp_strlcpy(r->reason, res, sizeof(r->reason));
done:
    r->hard = bp_reason_hard(r->reason, r->status, r->reply);
    bp_pairs_drop();
    buf_free(lc);
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
