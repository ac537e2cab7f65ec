/*
 * NAME
 *	bp_mimescan 3 - the MIME structure of a plain report, by line scan
 * DESCRIPTION
 *	See bp_mimescan.h. Two passes: the scan collects the leaf parts
 *	and returned originals in order, or gives up having written
 *	nothing; the sort then files them as bp_mime_walk() files the
 *	parts of a GMime tree. GMime 3.2's rules followed here (checked
 *	against GMime itself by tests/bounce/mimescan.t and by the fuzz
 *	target, which parse every message both ways):
 * .IP \(bu
 *	A boundary line is "--" boundary, or "--" boundary "--", then
 *	white space only. The boundaries of all enclosing multiparts
 *	count; one ends the multiparts inside its own.
 * .IP \(bu
 *	The line end before a boundary line belongs to the boundary, not
 *	to the content: two bytes when the boundary line ends in CR LF,
 *	else one, whatever they are; at the end of the message nothing is
 *	taken off.
 * .IP \(bu
 *	Text before the first boundary and after the closing one is no
 *	part. A part without Content-Type is text/plain.
 * .IP \(bu
 *	message/rfc822 not in base64 or quoted-printable is a message: only
 *	its header block is read, the rest up to the next boundary line
 *	skipped. In base64 or quoted-printable it is a leaf part.
 * .PP
 *	Whatever else GMime might read its own way (a boundary that starts
 *	like another, a line that starts like a boundary line but is not
 *	one, RFC 2231 or commented parameters, an unknown transfer
 *	encoding, multipart/digest, message/news, ...) ends the scan with
 *	0, and the message goes to GMime.
 */
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "mem.h"
#include "buf.h"

#include "bp_reason.h"
#include "bp_mime.h"
#include "bp_bounds.h"
#include "bp_mimescan.h"

int     bp_mimescan_enabled = 1;
int     bp_mimescan_count;

#define SCAN_DEPTH	8		/* nested multiparts */
#define SCAN_PARTS	64		/* parts per multipart (bp_mime_walk()) */
#define SCAN_ITEMS	128		/* leaf parts and originals per message */
#define SCAN_VALUE	64		/* charset, report-type length */
#define SCAN_CTLEN	1024		/* Content-Type field length */

/* What a part is to the sort. */
#define SCAN_IGNORE	0		/* application/..., message/partial, ... */
#define SCAN_TEXT	1		/* text/plain and other text/ */
#define SCAN_HTML	2		/* text/html: only if no text/plain */
#define SCAN_DSN	3		/* message/(global-)delivery-status */
#define SCAN_ARF	4		/* message/feedback-report */
#define SCAN_ORIG_PART	5		/* text/rfc822-headers, encoded original */
#define SCAN_ORIG_MSG	6		/* message/rfc822: its header block */

/* Transfer encodings. */
#define SCAN_RAW	0		/* 7bit, 8bit, binary, none */
#define SCAN_BASE64	1
#define SCAN_QP		2

typedef struct SCAN_ITEM {
    int     kind;			/* SCAN_TEXT ... */
    int     enc;			/* SCAN_RAW ... */
    char    charset[SCAN_VALUE + 1];	/* "" when none */
    int     has_charset;
    const char *start;			/* content, or header block */
    const char *end;
} SCAN_ITEM;

/* What the scan needs of a Content-Type field. */
typedef struct SCAN_CT {
    char    type[32 + 1 + 64];		/* "type", later "type/subtype" */
    char    sub[64];
    char    boundary[BP_BOUNDS_LEN + 1];
    char    charset[SCAN_VALUE + 1];
    char    report_type[SCAN_VALUE + 1];
    int     has_boundary;
    int     has_charset;
    int     has_report_type;
} SCAN_CT;

/* scan_tokch - an RFC 2045 token character */

static int scan_tokch(int c)
{
    return (c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == 0);
}

/* scan_token - copy a token of at most size - 1 characters; 0: none */

static int scan_token(const char **sp, const char *end, char *out, size_t size)
{
    const char *s = *sp;
    size_t  n = 0;

    while (s < end && scan_tokch((unsigned char) *s)) {
	if (n + 1 == size)
	    return (0);
	out[n++] = *s++;
    }
    out[n] = 0;
    *sp = s;
    return (n > 0);
}

/* scan_param_value - a parameter value: quoted, or up to ";" or space */

static int scan_param_value(const char **sp, const char *end, char *out, size_t size)
{
    const char *s = *sp, *v;
    size_t  n;
    int     quoted = 0;

    if (s < end && *s == '"') {
	quoted = 1;
	v = ++s;
	while (s < end && *s != '"') {
	    if (*s == '\\')
		return (0);
	    s++;
	}
	if (s == end)
	    return (0);
	n = (size_t) (s - v);
	s++;
	/* White space at either end: GMime may trim it. */
	if (n && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t'))
	    return (0);
    } else {
	v = s;
	while (s < end && *s != ';' && *s != '"' && *s != ' ' && *s != '\t')
	    s++;
	n = (size_t) (s - v);
    }
    /* A comment outside quotes is GMime's. */
    if (n == 0 || n >= size || (!quoted && memchr(v, '(', n)) || memchr(v, '\\', n)
	|| memmem(v, n, "=?", 2))
	return (0);
    memcpy(out, v, n);
    out[n] = 0;
    *sp = s;
    return (1);
}

/* scan_ctype - parse an unfolded Content-Type value; 0: unsure */

static int scan_ctype(const char *s, const char *end, SCAN_CT *ct)
{
    char    name[64], value[BP_BOUNDS_LEN + 1];

    while (s < end && (*s == ' ' || *s == '\t'))
	s++;
    if (!scan_token(&s, end, ct->type, 32) || s == end || *s++ != '/'
	|| !scan_token(&s, end, ct->sub, sizeof(ct->sub)))
	return (0);
    for (;;) {
	while (s < end && (*s == ' ' || *s == '\t'))
	    s++;
	if (s == end)
	    return (1);
	if (*s++ != ';')
	    return (0);
	while (s < end && (*s == ' ' || *s == '\t'))
	    s++;
	if (s == end)
	    return (1);			/* "type/sub; charset=x;" */
	/* RFC 2231 (name*=, name*0=) is GMime's. */
	if (!scan_token(&s, end, name, sizeof(name)) || strchr(name, '*')
	    || s == end || *s++ != '=' || !scan_param_value(&s, end, value, sizeof(value)))
	    return (0);
	if (strcasecmp(name, "boundary") == 0) {
	    if (ct->has_boundary++)
		return (0);
	    strcpy(ct->boundary, value);
	} else if (strcasecmp(name, "charset") == 0) {
	    if (ct->has_charset++ || strlen(value) > SCAN_VALUE)
		return (0);
	    strcpy(ct->charset, value);
	} else if (strcasecmp(name, "report-type") == 0) {
	    if (ct->has_report_type++ || strlen(value) > SCAN_VALUE)
		return (0);
	    strcpy(ct->report_type, value);
	}
    }
}

/* bp_mimescan_cte - a Content-Transfer-Encoding value; -1: unsure */

int     bp_mimescan_cte(const char *s, const char *end)
{
    static const struct {
	const char *name;
	int     enc;
    }       tab[] = {
	{"7bit", SCAN_RAW}, {"8bit", SCAN_RAW}, {"binary", SCAN_RAW},
	{"base64", SCAN_BASE64}, {"quoted-printable", SCAN_QP}, {0, 0},
    };
    int     i;
    size_t  n;

    while (s < end && (*s == ' ' || *s == '\t'))
	s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
	end--;
    n = (size_t) (end - s);
    for (i = 0; tab[i].name; i++)
	if (strlen(tab[i].name) == n && strncasecmp(s, tab[i].name, n) == 0)
	    return (tab[i].enc);
    return (-1);
}

/*
 * scan_header - Content-Type and Content-Transfer-Encoding of a plain
 * header block (bp_mime_rawhdr_ok()); defaults text/plain, raw. 0: a
 * field twice, or a value the scan is unsure about.
 */
static int scan_header(const char *p, const char *end, SCAN_CT *ct, int *enc)
{
    char    val[SCAN_CTLEN];
    const char *f, *nl, *c;
    int     seen_ct = 0, seen_cte = 0;
    size_t  n;

    memset(ct, 0, sizeof(*ct));
    strcpy(ct->type, "text");
    strcpy(ct->sub, "plain");
    *enc = SCAN_RAW;
    while (p < end) {
	/* One field: up to a line that does not start with white space. */
	f = p;
	while ((nl = memchr(p, '\n', (size_t) (end - p))) != 0
	       && nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t'))
	    p = nl + 1;
	nl = nl ? nl : end;
	p = nl < end ? nl + 1 : end;
	if (f[0] != 'c' && f[0] != 'C')
	    continue;
	if ((size_t) (nl - f) >= 13 && strncasecmp(f, "content-type:", 13) == 0) {
	    if (seen_ct++)
		return (0);
	    /* Unfold: drop the line ends, keep the white space after them. */
	    for (n = 0, c = f + 13; c < nl; c++) {
		if (*c == '\r' || *c == '\n')
		    continue;
		/* 8-bit or control bytes: GMime converts or drops them. */
		if ((unsigned char) *c >= 127 || ((unsigned char) *c < 32 && *c != '\t'))
		    return (0);
		if (n == sizeof(val))
		    return (0);
		val[n++] = *c;
	    }
	    if (!scan_ctype(val, val + n, ct))
		return (0);
	} else if ((size_t) (nl - f) >= 26
		   && strncasecmp(f, "content-transfer-encoding:", 26) == 0) {
	    const char *v = f + 26, *e = nl;

	    if (seen_cte++ || memchr(v, '\n', (size_t) (e - v)))
		return (0);
	    if (e > v && e[-1] == '\r')
		e--;
	    if ((*enc = bp_mimescan_cte(v, e)) < 0)
		return (0);
	}
    }
    return (1);
}

/* scan_kind - what a leaf part is to the sort; -1: GMime's */

static int scan_kind(const SCAN_CT *ct, int enc)
{
    const char *t = ct->type, *s = ct->sub;

    if (strcasecmp(t, "text") == 0) {
	if (strcasecmp(s, "html") == 0)
	    return (SCAN_HTML);
	if (strcasecmp(s, "rfc822-headers") == 0)
	    return (SCAN_ORIG_PART);
	return (SCAN_TEXT);
    }
    if (strcasecmp(t, "message") != 0)
	return (SCAN_IGNORE);
    if (strcasecmp(s, "delivery-status") == 0 || strcasecmp(s, "global-delivery-status") == 0)
	return (SCAN_DSN);
    if (strcasecmp(s, "feedback-report") == 0)
	return (SCAN_ARF);
    if (strcasecmp(s, "rfc822-headers") == 0 || strcasecmp(s, "global-headers") == 0)
	return (SCAN_ORIG_PART);
    /* GMime makes these a message unless base64 or quoted-printable. */
    if (strcasecmp(s, "rfc822") == 0 || strcasecmp(s, "global") == 0
	|| strcasecmp(s, "news") == 0) {
	if (enc != SCAN_RAW)
	    return (strcasecmp(s, "news") == 0 ? SCAN_IGNORE : SCAN_ORIG_PART);
	return (strcasecmp(s, "rfc822") == 0 ? SCAN_ORIG_MSG : -1);
    }
    return (SCAN_IGNORE);
}

/* scan_content - decoded content of a leaf part, as UTF-8 */

static void scan_content(const SCAN_ITEM *it, BUF *out)
{
    static char *dec;
    static size_t dec_size;
    const char *cs = it->has_charset ? it->charset : 0;
    size_t  len = (size_t) (it->end - it->start), need, n;
    GMimeEncoding st;

    if (it->enc == SCAN_RAW) {
	bp_mime_to_utf8(it->start, len, cs, out);
	return;
    }
    /* GMime's own decoder, without the data wrapper and filter objects. */
    g_mime_encoding_init_decode(&st, it->enc == SCAN_BASE64 ?
			  GMIME_CONTENT_ENCODING_BASE64 : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    need = g_mime_encoding_outlen(&st, len) + 16;
    if (need > dec_size) {
	dec = xrealloc(dec, need);
	dec_size = need;
    }
    n = g_mime_encoding_step(&st, it->start, len, dec);
    n += g_mime_encoding_flush(&st, "", 0, dec + n);
    bp_mime_to_utf8(dec, n, cs, out);
}

/* scan_sort - file the parts as bp_mime_walk() does */

static void scan_sort(SCAN_ITEM *items, int n, BP_MIME *m)
{
    BUF    *tmp = 0;
    int     seen_orig = 0, text_empty, i;
    char   *cut;

    for (i = 0; i < n; i++) {
	SCAN_ITEM *it = items + i;

	switch (it->kind) {
	case SCAN_ORIG_MSG:
	    if (buf_len(m->orig) == 0)
		bp_mime_rawhdr(it->start, it->end, 1, m->orig);
	    seen_orig = 1;
	    break;
	case SCAN_DSN:
	    scan_content(it, m->dsn);
	    buf_puts(m->dsn, "\n\n");
	    break;
	case SCAN_ARF:
	    scan_content(it, m->arf);
	    buf_puts(m->arf, "\n");
	    break;
	case SCAN_ORIG_PART:
	    if (buf_len(m->orig) == 0) {
		scan_content(it, m->orig);
		if ((cut = strstr(buf_str(m->orig), "\n\n")) != 0)
		    buf_truncate(m->orig, (size_t) (cut - buf_str(m->orig)) + 1);
	    }
	    seen_orig = 1;
	    break;
	case SCAN_TEXT:
	    if (!seen_orig) {
		if (buf_len(m->text))
		    buf_putc(m->text, '\n');
		scan_content(it, m->text);
	    }
	    break;
	}
    }
    text_empty = (buf_len(m->text) == 0);
    /* text/html before any original, only when no text/plain was found. */
    for (i = 0; text_empty && i < n && items[i].kind != SCAN_ORIG_MSG
	 && items[i].kind != SCAN_ORIG_PART; i++) {
	if (items[i].kind != SCAN_HTML)
	    continue;
	if (tmp == 0)
	    tmp = buf_alloc(1024);
	buf_reset(tmp);
	scan_content(items + i, tmp);
	bp_mime_html(buf_str(tmp), m->text);
    }
    if (tmp)
	buf_free(tmp);
}

/* scan_item - a new leaf part or original; NULL when too many */

static SCAN_ITEM *scan_item(SCAN_ITEM *items, int *n, int kind, int enc,
			            const SCAN_CT *ct, const char *start, const char *end)
{
    SCAN_ITEM *it;

    if (*n == SCAN_ITEMS)
	return (0);
    it = items + (*n)++;
    it->kind = kind;
    it->enc = enc;
    it->has_charset = ct->has_charset;
    strcpy(it->charset, ct->charset);
    it->start = start;
    it->end = end;
    return (it);
}

/*
 * scan_push - a multipart's boundary onto the stack; 0: GMime's (none,
 * digest, encoded, too deep, like an enclosing one)
 */
static int scan_push(BP_BOUNDS *st, const SCAN_CT *ct, int enc)
{
    size_t  bl = strlen(ct->boundary);

    if (!ct->has_boundary || strcasecmp(ct->sub, "digest") == 0 || enc != SCAN_RAW
	|| st->n == SCAN_DEPTH || bp_bounds_collide(st, ct->boundary, bl))
	return (0);
    return (bp_bounds_push(st, ct->boundary, bl));
}

/* bp_mimescan - see above */

int     bp_mimescan(const char *data, const char *hdr_end, size_t len, BP_MIME *m)
{
    enum {
	SKIP, PART_HDR, INNER_HDR, BODY,
    }       state = SKIP;
    SCAN_ITEM items[SCAN_ITEMS], *cur = 0;
    BP_BOUNDS st;			/* enclosing boundaries */
    int     nparts[BP_BOUNDS_MAX];
    int     n = 0, enc, kind, bi, closing;
    const char *end = data + len, *p, *next, *nl, *part = 0, *skip = 0;
    SCAN_CT top, ct;

    if (!bp_mimescan_enabled || hdr_end >= end)
	return (0);
    if (!scan_header(data, hdr_end, &top, &enc))
	return (0);
    p = hdr_end + (*hdr_end == '\r' ? 2 : 1);
    if (strcasecmp(top.type, "multipart") != 0) {
	/* One part. */
	if ((kind = scan_kind(&top, enc)) < 0 || kind == SCAN_ORIG_MSG)
	    return (0);
	scan_item(items, &n, kind, enc, &top, p, end);
    } else {
	bp_bounds_init(&st);
	if (!scan_push(&st, &top, enc))
	    return (0);
	nparts[0] = 0;
	for (; p < end; p = next) {
	    nl = memchr(p, '\n', (size_t) (end - p));
	    next = nl ? nl + 1 : end;
	    if ((bi = bp_bounds_line(&st, p, next, &closing)) < 0)
		return (0);
	    if (bi > 0) {
		if (state == PART_HDR || state == INNER_HDR)
		    return (0);
		if (state == BODY) {
		    /*
		     * The line end before the boundary line is the boundary's:
		     * as many bytes as the boundary line's own line end has
		     * (GMime 3.2 takes two off for "--B\r\n", or "--B\r" at
		     * the end, even after a bare "\n").
		     */
		    const char *le = nl ? nl : end;
		    int     k = (le > p && le[-1] == '\r') ? 2 : 1;

		    cur->end = p;
		    while (k-- > 0 && cur->end > cur->start)
			cur->end--;
		}
		if (skip && bp_bounds_nested(skip, p, &st))
		    return (0);
		skip = 0;
		/* The multiparts inside this one have ended. */
		st.n = bi;
		if (closing) {
		    st.n--;
		    state = SKIP;
		} else {
		    if (++nparts[st.n - 1] > SCAN_PARTS)
			return (0);
		    state = PART_HDR;
		    part = next;
		}
		if (st.n == 0)
		    break;			/* the epilogue */
		continue;
	    }
	    /* Only an empty line ends a header block. */
	    if ((state != PART_HDR && state != INNER_HDR)
		|| !(next - p == 1 || (next - p == 2 && *p == '\r'))
		|| nl == 0)
		continue;
	    if (state == INNER_HDR) {
		if (p == part || !bp_mime_rawhdr_ok(part, p)
		    || bp_bounds_nested(part, p, &st))
		    return (0);
		if (scan_item(items, &n, SCAN_ORIG_MSG, SCAN_RAW, &ct, part, p) == 0)
		    return (0);
		state = SKIP;
		skip = next;
		continue;
	    }
	    if ((p > part && !bp_mime_rawhdr_ok(part, p)) || !scan_header(part, p, &ct, &enc))
		return (0);
	    if (strcasecmp(ct.type, "multipart") == 0) {
		nparts[st.n] = 0;
		if (!scan_push(&st, &ct, enc))
		    return (0);
		state = SKIP;
		continue;
	    }
	    if ((kind = scan_kind(&ct, enc)) < 0)
		return (0);
	    if (kind == SCAN_ORIG_MSG) {
		state = INNER_HDR;
		part = next;
		continue;
	    }
	    if ((cur = scan_item(items, &n, kind, enc, &ct, next, end)) == 0)
		return (0);
	    state = BODY;
	}
	if (state == PART_HDR || state == INNER_HDR)
	    return (0);
	if (skip && bp_bounds_nested(skip, end, &st))
	    return (0);
    }
    scan_sort(items, n, m);
    strcat(strcat(top.type, "/"), top.sub);
    bp_ascii_lower(m->content_type = xstrdup(top.type));
    bp_ascii_lower(m->report_type = xstrdup(top.has_report_type ? top.report_type : ""));
    bp_mimescan_count++;
    return (1);
}
