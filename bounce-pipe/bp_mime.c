/*
 * NAME
 *	bp_mime 3 - take a returned message apart with GMime
 * DESCRIPTION
 *	See bp_mime.h. The walk is depth-limited and never trusts a
 *	declared length; GMime does the MIME structure and transfer
 *	decoding, GLib's iconv wrapper the charsets.
 *
 *	Many MTAs (qmail, Exim, DragonFly, V5 Sendmail) send one flat
 *	text/plain body that ends with the original message after a
 *	marker line ("--- Below this line is a copy of the message.").
 *	That tail is moved from text to orig here, so that the classifier
 *	never reads the original message's own words as a diagnostic.
 */
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <limits.h>

#include <gmime/gmime.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mem.h"
#include "log.h"
#include "buf.h"

#include "bp_reason.h"
#include "bp_mime.h"
#include "bp_bounds.h"
#include "bp_mimescan.h"

#define BP_MIME_DEPTH	16		/* nesting limit against hostile input */

#define BP_WALK_HTML	16		/* text/html parts kept for later */

typedef struct BP_WALK {
    BP_MIME *m;
    BUF    *html;			/* text/html, used when no text/plain */
    GMimePart *html_part[BP_WALK_HTML];	/* not yet read into html */
    int     nhtml;
    int     seen_orig;			/* returned message found: stop texts */
} BP_WALK;

/*
 * Header blocks of returned originals, taken out of the text given to
 * GMime by bp_precut(): the inner message there has one stand-in field
 * "X-Postbulk-Orig-RANDOM: N" for block N (RANDOM per process, so that
 * no message can carry a stand-in of its own). Valid during one
 * bp_mime_parse().
 */
static char bp_orig_field[32];

int     bp_mime_gmime_only;		/* tests: 1 GMime alone, 2 also two fields */

static struct {
    const char *start;
    const char *end;
}       bp_orig_blk[16];
static int bp_orig_n;

/* bp_mime_init - GMime's global state, once */

static void bp_mime_init(void)
{
    static int done;

    if (!done) {
	g_mime_init();
	snprintf(bp_orig_field, sizeof(bp_orig_field), "X-Postbulk-Orig-%08x",
		 (unsigned) g_random_int());
	done = 1;
    }
}

/*
 * bp_mime_convert - g_convert() with the converters kept open: opening
 * one costs more than converting a whole report (gconv module lookup).
 */
static gchar *bp_mime_convert(const char *data, size_t len, const char *from,
			              gsize *wrote)
{
    static struct {
	char   *charset;
	GIConv  cd;
    }       cache[16];
    static int ncache;
    int     i;

    for (i = 0; i < ncache; i++)
	if (strcasecmp(cache[i].charset, from) == 0)
	    break;
    if (i == ncache) {
	GIConv  cd = g_iconv_open("UTF-8", from);

	if (cd == (GIConv) - 1)
	    return (0);
	if (ncache == (int) (sizeof(cache) / sizeof(cache[0]))) {
	    gchar  *conv = g_convert_with_iconv(data, (gssize) len, cd, NULL, wrote, NULL);

	    g_iconv_close(cd);
	    return (conv);
	}
	cache[i].charset = xstrdup(from);
	cache[i].cd = cd;
	ncache++;
    }
    /* Back to the initial shift state after an earlier failure. */
    g_iconv(cache[i].cd, NULL, NULL, NULL, NULL);
    return (g_convert_with_iconv(data, (gssize) len, cache[i].cd, NULL, wrote, NULL));
}

/*
 * bp_mime_ascii - no NUL, no byte with the high bit set: valid UTF-8
 * as it is, the answer g_utf8_validate() would give, eight bytes a step.
 */
static int bp_mime_ascii(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *) data;
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    uint64_t acc = 0, w;
    size_t  i = 0;

    for (; i + 8 <= len; i += 8) {
	memcpy(&w, p + i, 8);
	acc |= w | ((w - ones) & ~w & high);
    }
    for (; i < len; i++)
	acc |= p[i] ? p[i] : 0x80;
    return ((acc & high) == 0);
}

/* bp_mime_to_utf8 - append text converted from charset to UTF-8 */

void    bp_mime_to_utf8(const char *data, size_t len, const char *charset,
			        BUF *out)
{
    /* Korean first: postbulk's main audience; then Japanese; Latin-1 never fails. */
    static const char *const guess[] = {"CP949", "EUC-JP", "SHIFT_JIS", "ISO-8859-1", 0};
    const char *const *cp;
    gchar  *conv;
    gsize   wrote;

    /* An empty part: GMime hands out a NULL buffer (found by fuzzing). */
    if (data == 0 || len == 0)
	return;
    if (charset && *charset && strcasecmp(charset, "utf-8") != 0
	&& strcasecmp(charset, "us-ascii") != 0) {
	/* EUC-KR texts often use CP949's extra Hangul: read them as CP949. */
	if (strcasecmp(charset, "euc-kr") == 0 || strcasecmp(charset, "ks_c_5601-1987") == 0)
	    charset = "CP949";
	conv = bp_mime_convert(data, len, charset, &wrote);
	if (conv == 0)
	    conv = g_convert_with_fallback(data, (gssize) len, "UTF-8", charset, "?",
					   NULL, &wrote, NULL);
	if (conv) {
	    buf_append(out, conv, wrote);
	    g_free(conv);
	    return;
	}
    }
    if (bp_mime_ascii(data, len) || g_utf8_validate(data, (gssize) len, NULL)) {
	/* Undeclared ISO-2022-JP/KR is 7-bit and valid UTF-8: try it. */
	/* Most texts have no escape at all: one memchr() decides. */
	int     esc = memchr(data, '\033', len) != 0;

	if (esc && (memmem(data, len, "\033$B", 3) || memmem(data, len, "\033$(B", 4))) {
	    conv = bp_mime_convert(data, len, "ISO-2022-JP", &wrote);
	    if (conv) {
		buf_append(out, conv, wrote);
		g_free(conv);
		return;
	    }
	}
	if (esc && memmem(data, len, "\033$)C", 4)) {
	    conv = bp_mime_convert(data, len, "ISO-2022-KR", &wrote);
	    if (conv) {
		buf_append(out, conv, wrote);
		g_free(conv);
		return;
	    }
	}
	buf_append(out, data, len);
	return;
    }
    for (cp = guess; *cp; cp++) {
	conv = bp_mime_convert(data, len, *cp, &wrote);
	if (conv) {
	    buf_append(out, conv, wrote);
	    g_free(conv);
	    return;
	}
    }
    buf_append(out, data, len);
}

/* bp_mime_unfold - append a field value as one line */

static void bp_mime_unfold(const char *v, const char *end, BUF *out)
{
    size_t  run;
    int     lf = (v < end && end[-1] == '\n');

    while (v < end) {
	/* Plain runs are copied at once. */
	if (lf) {
	    /* A range that ends with a newline: strcspn() stops inside. */
	    run = strcspn(v, "\r\n\t");
	} else {
	    for (run = 0; v + run < end && v[run] != '\r' && v[run] != '\n'
		 && v[run] != '\t'; run++)
		 /* void */ ;
	}
	if (run) {
	    buf_append(out, v, run);
	    v += run;
	    continue;
	}
	if (*v == '\r' || *v == '\n') {
	    if (buf_len(out) && out->data[out->len - 1] != ' ')
		buf_putc(out, ' ');
	} else if (!(buf_len(out) && out->data[out->len - 1] == ' '))
	    buf_putc(out, ' ');
	v++;
    }
}

/* bp_mime_headers - append "Name: decoded value" lines of an object */

static void bp_mime_headers(GMimeObject *obj, BUF *out)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(obj);
    int     i, n;

    if (list == 0)
	return;
    n = g_mime_header_list_get_count(list);
    for (i = 0; i < n; i++) {
	GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
	const char *name = g_mime_header_get_name(h);
	const char *raw = g_mime_header_get_raw_value(h);
	char   *val;
	const char *p;

	if (name == 0 || raw == 0)
	    continue;
	/* Only RFC 2047 encoded words need decoding. */
	val = strstr(raw, "=?") ? g_mime_utils_header_decode_text(NULL, raw) : 0;
	buf_puts(out, name);
	buf_puts(out, ": ");
	/* Unfold: the value is one line. */
	p = val ? val : raw;
	bp_mime_unfold(p, p + strlen(p), out);
	buf_putc(out, '\n');
	g_free(val);
    }
}

/*
 * bp_mime_rawhdr - bp_mime_headers() for a raw header block
 *
 * The report's own header block is read here instead of through GMime:
 * GMime builds an object, an event and a hash entry per field (most of
 * them Received:), only to be flattened again. The output is the same
 * "Name: decoded value" lines; a block with anything but plain fields
 * and continuation lines returns 0 and is left to GMime.
 */
int     bp_mime_rawhdr_ok(const char *p, const char *end)
{
    int     first = 1;

    while (p < end) {
	const char *nl = memchr(p, '\n', (size_t) (end - p));
	const char *eol = nl ? nl : end;
	const char *c;

	if (*p == ' ' || *p == '\t') {
	    if (first)
		return (0);
	} else {
	    for (c = p; c < eol && *c != ':'; c++)
		if ((unsigned char) *c <= 32 || (unsigned char) *c >= 127)
		    return (0);
	    if (c == p || c == eol)
		return (0);
	}
	if (memchr(p, 0, (size_t) (eol - p)))
	    return (0);
	first = 0;
	p = nl ? nl + 1 : end;
    }
    return (1);
}

/* bp_mime_ew - "=?" in v..end (memmem() is slow for a short needle) */

static int bp_mime_ew(const char *v, const char *end)
{
    while (v < end && (v = memchr(v, '=', (size_t) (end - v))) != 0) {
	if (v + 1 < end && v[1] == '?')
	    return (1);
	v++;
    }
    return (0);
}

void    bp_mime_rawhdr(const char *p, const char *end, int message, BUF *out)
{
    static BUF *raw;

    if (raw == 0)
	raw = buf_alloc(256);
    while (p < end) {
	const char *colon = memchr(p, ':', (size_t) (end - p));
	const char *q = colon + 1, *nl, *vend;
	char   *val;

	/* The field ends before a line that does not start with white space. */
	while ((nl = memchr(q, '\n', (size_t) (end - q))) != 0
	       && nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t'))
	    q = nl + 1;
	if (nl == 0)
	    nl = end;
	/* A message's Content-* fields belong to its body part in GMime. */
	if (message && colon - p >= 8 && strncasecmp(p, "content-", 8) == 0) {
	    p = nl < end ? nl + 1 : end;
	    continue;
	}
	/* GMime's raw value: from the colon through the last newline. */
	vend = nl < end ? nl + 1 : end;
	buf_append(out, p, (size_t) (colon - p));
	buf_puts(out, ": ");
	/* Only RFC 2047 encoded words need a copy and decoding. */
	if (bp_mime_ew(colon + 1, vend)) {
	    buf_reset(raw);
	    buf_append(raw, colon + 1, (size_t) (vend - colon - 1));
	    val = g_mime_utils_header_decode_text(NULL, buf_str(raw));
	    if (val == 0)
		bp_mime_unfold(buf_str(raw), buf_str(raw) + buf_len(raw), out);
	    else
		bp_mime_unfold(val, val + strlen(val), out);
	    g_free(val);
	} else
	    bp_mime_unfold(colon + 1, vend, out);
	buf_putc(out, '\n');
	p = nl < end ? nl + 1 : end;
    }
}

/* bp_mime_content - decoded body of a leaf part, converted to UTF-8 */

static void bp_mime_content(GMimePart *part, BUF *out)
{
    static BUF *raw;
    GMimeDataWrapper *wrapper = g_mime_part_get_content(part);
    GMimeStream *mem, *st;
    GByteArray *array;
    const char *charset;
    char    chunk[4096];
    ssize_t n;

    if (wrapper == 0)
	return;
    charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    switch (g_mime_data_wrapper_get_encoding(wrapper)) {
    case GMIME_CONTENT_ENCODING_BASE64:
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
    case GMIME_CONTENT_ENCODING_UUENCODE:
	break;
    default:
	/* No decoder: the bytes as they are, without a stream to copy to. */
	if ((st = g_mime_data_wrapper_get_stream(wrapper)) == 0)
	    return;
	if (raw == 0)
	    raw = buf_alloc(8192);
	buf_reset(raw);
	g_mime_stream_reset(st);
	while ((n = g_mime_stream_read(st, chunk, sizeof(chunk))) > 0)
	    buf_append(raw, chunk, (size_t) n);
	g_mime_stream_reset(st);
	/* A read error: nothing, as from g_mime_data_wrapper_write_to_stream(). */
	if (n == 0)
	    bp_mime_to_utf8(buf_str(raw), buf_len(raw), charset, out);
	return;
    }
    mem = g_mime_stream_mem_new();
    if (g_mime_data_wrapper_write_to_stream(wrapper, mem) < 0) {
	g_object_unref(mem);
	return;
    }
    array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    bp_mime_to_utf8((const char *) array->data, array->len, charset, out);
    g_object_unref(mem);
}

/* bp_mime_html - crude tag stripper for text/html-only reports */

void    bp_mime_html(const char *s, BUF *out)
{
    static const struct {
	const char *ent;
	const char *rep;
    }       ents[] = {
	{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&nbsp;", " "},
	{"&quot;", "\""}, {"&#39;", "'"}, {0, 0},
    };
    int     i;
    size_t  run;

    while (*s) {
	if (*s == '<') {
	    if (strncasecmp(s, "<br", 3) == 0 || strncasecmp(s, "</p", 3) == 0
		|| strncasecmp(s, "</div", 5) == 0 || strncasecmp(s, "</tr", 4) == 0
		|| strncasecmp(s, "<li", 3) == 0)
		buf_putc(out, '\n');
	    if (strncasecmp(s, "<style", 6) == 0 || strncasecmp(s, "<script", 7) == 0) {
		const char *end = strcasestr(s, s[1] == 's' && s[2] == 't' ? "</style" : "</script");

		if (end == 0)
		    end = strcasestr(s, "</s");
		s = end ? end + 2 : s + strlen(s);
	    }
	    while (*s && *s != '>')
		s++;
	    if (*s)
		s++;
	    continue;
	}
	if (*s == '&') {
	    for (i = 0; ents[i].ent; i++) {
		if (strncasecmp(s, ents[i].ent, strlen(ents[i].ent)) == 0) {
		    buf_puts(out, ents[i].rep);
		    s += strlen(ents[i].ent);
		    break;
		}
	    }
	    if (ents[i].ent)
		continue;
	    buf_putc(out, *s++);
	    continue;
	}
	/* Plain text up to the next tag or entity, at once. */
	run = strcspn(s, "<&");
	buf_append(out, s, run);
	s += run;
    }
}

/*
 * bp_mime_standin - the original's block number of a stand-in part
 *
 * bp_precut() gives GMime a part without header fields whose body is
 * the line "X-Postbulk-Orig-RANDOM: N" in place of a message/rfc822
 * part. Returns N, or -1 for any other part.
 */
static int bp_mime_standin(GMimeObject *obj)
{
    GMimeHeaderList *hl;
    GMimeDataWrapper *wrapper;
    GMimeStream *st;
    char    line[64];
    size_t  fl = strlen(bp_orig_field);
    ssize_t n;
    int     k;

    if (bp_orig_n == 0 || (hl = g_mime_object_get_header_list(obj)) == 0
	|| g_mime_header_list_get_count(hl) != 0
	|| (wrapper = g_mime_part_get_content(GMIME_PART(obj))) == 0
	|| (st = g_mime_data_wrapper_get_stream(wrapper)) == 0)
	return (-1);
    g_mime_stream_reset(st);
    n = g_mime_stream_read(st, line, sizeof(line) - 1);
    g_mime_stream_reset(st);
    if (n <= (ssize_t) fl + 1)
	return (-1);
    line[n] = 0;
    if (strncmp(line, bp_orig_field, fl) != 0 || line[fl] != ':')
	return (-1);
    k = atoi(line + fl + 1);
    return (k >= 0 && k < bp_orig_n ? k : -1);
}

/* bp_mime_html_flush - read the text/html parts kept so far, in order */

static void bp_mime_html_flush(BP_WALK *w)
{
    BUF    *tmp = buf_alloc(1024);
    int     i;

    for (i = 0; i < w->nhtml; i++) {
	buf_reset(tmp);
	bp_mime_content(w->html_part[i], tmp);
	bp_mime_html(buf_str(tmp), w->html);
    }
    w->nhtml = 0;
    buf_free(tmp);
}

/* bp_mime_walk - sort the parts of one MIME object */

static void bp_mime_walk(BP_WALK *w, GMimeObject *obj, int depth)
{
    GMimeContentType *ct;
    const char *type, *sub;
    int     k;

    if (obj == 0 || depth > BP_MIME_DEPTH)
	return;
    if (GMIME_IS_MESSAGE_PART(obj)) {
	GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

	if (inner && buf_len(w->m->orig) == 0) {
	    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(inner));
	    GMimeHeader *h;
	    const char *v;

	    if (bp_orig_n > 0 && hl && g_mime_header_list_get_count(hl) == 1
		&& (h = g_mime_header_list_get_header_at(hl, 0)) != 0
		&& g_mime_header_get_name(h)
		&& strcmp(g_mime_header_get_name(h), bp_orig_field) == 0
		&& (v = g_mime_header_get_raw_value(h)) != 0
		&& (k = atoi(v)) >= 0 && k < bp_orig_n)
		bp_mime_rawhdr(bp_orig_blk[k].start, bp_orig_blk[k].end, 1, w->m->orig);
	    else
		bp_mime_headers(GMIME_OBJECT(inner), w->m->orig);
	}
	w->seen_orig = 1;
	return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
	GMimeMultipart *mp = GMIME_MULTIPART(obj);
	int     i, n = g_mime_multipart_get_count(mp);

	for (i = 0; i < n && i < 64; i++)
	    bp_mime_walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
	return;
    }
    if (!GMIME_IS_PART(obj))
	return;
    if ((k = bp_mime_standin(obj)) >= 0) {
	/* A returned original, as a message part below. */
	if (buf_len(w->m->orig) == 0)
	    bp_mime_rawhdr(bp_orig_blk[k].start, bp_orig_blk[k].end, 1, w->m->orig);
	w->seen_orig = 1;
	return;
    }
    ct = g_mime_object_get_content_type(obj);
    type = ct ? g_mime_content_type_get_media_type(ct) : "text";
    sub = ct ? g_mime_content_type_get_media_subtype(ct) : "plain";
    if (type == 0 || sub == 0)
	return;
    if (strcasecmp(type, "message") == 0
	&& (strcasecmp(sub, "delivery-status") == 0
	    || strcasecmp(sub, "global-delivery-status") == 0)) {
	bp_mime_content(GMIME_PART(obj), w->m->dsn);
	buf_puts(w->m->dsn, "\n\n");
    } else if (strcasecmp(type, "message") == 0 && strcasecmp(sub, "feedback-report") == 0) {
	bp_mime_content(GMIME_PART(obj), w->m->arf);
	buf_puts(w->m->arf, "\n");
    } else if ((strcasecmp(type, "text") == 0 && strcasecmp(sub, "rfc822-headers") == 0)
	       || (strcasecmp(type, "message") == 0
		   && (strcasecmp(sub, "rfc822-headers") == 0
		       || strcasecmp(sub, "rfc822") == 0
		       || strcasecmp(sub, "global") == 0
		       || strcasecmp(sub, "global-headers") == 0))) {
	if (buf_len(w->m->orig) == 0) {
	    BUF    *tmp = buf_alloc(1024);
	    char   *end;

	    bp_mime_content(GMIME_PART(obj), tmp);
	    if ((end = strstr(buf_str(tmp), "\n\n")) != 0)
		buf_truncate(tmp, (size_t) (end - buf_str(tmp)) + 1);
	    buf_append(w->m->orig, buf_str(tmp), buf_len(tmp));
	    buf_free(tmp);
	}
	w->seen_orig = 1;
    } else if (strcasecmp(type, "text") == 0 && !w->seen_orig) {
	if (strcasecmp(sub, "html") == 0) {
	    /* Read only if no text/plain turns up: usually one does. */
	    if (w->nhtml == BP_WALK_HTML)
		bp_mime_html_flush(w);
	    w->html_part[w->nhtml++] = GMIME_PART(obj);
	} else if (GMIME_IS_TEXT_PART(obj) || strcasecmp(sub, "plain") == 0) {
	    if (buf_len(w->m->text))
		buf_putc(w->m->text, '\n');
	    bp_mime_content(GMIME_PART(obj), w->m->text);
	}
    }
}

/* bp_mime_cut - move an inline original message from text to orig */

static void bp_mime_cut(BP_MIME *m)
{
    static pcre2_code *re;
    static pcre2_match_data *md;
    int     rc;

    if (re == 0) {
	int     err;
	PCRE2_SIZE off;

	/*
	 * Marker lines seen in qmail, Exim, Sendmail, Courier, DragonFly,
	 * Domino, Exchange, webmail portals. Matched case-insensitively at
	 * line start.
	 */
	re = pcre2_compile((PCRE2_SPTR)
			   "^[ \\t]*(?:"
			   "-{2,}[ ]?(?:below this line is a copy of the message"
			   "|this is a copy of the message"
			   "|(?:the )?(?:original|unsent|returned|rejected|undelivered)"
			   "(?: message| mail)?(?: header| headers)?(?: follows?)?(?:[ ]?-+|:)?[ \\t]*$"
			   "|(?:the )?header of the original message)"
			   "|message headers follow"
			   "|original message headers?:?[ \\t]*$"
			   "|here are the (?:first )?(?:few )?(?:lines|headers) of the original"
			   "|the original message was:"
			   "|-+ ?original message ?-+"
			   "|content-type: (?:message/rfc822|text/rfc822-headers)"
			   ")",
			   PCRE2_ZERO_TERMINATED,
			   PCRE2_CASELESS | PCRE2_MULTILINE | PCRE2_UTF | PCRE2_NO_UTF_CHECK,
			   &err, &off, NULL);
	if (re == 0)
	    log_panic("bp_mime_cut: bad built-in pattern at %zu", (size_t) off);
	if (bp_use_jit)
	    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    }
    if (!bp_mime_ascii(buf_str(m->text), buf_len(m->text))
	&& !g_utf8_validate(buf_str(m->text), (gssize) buf_len(m->text), NULL))
	return;
    if (md == 0)
	md = pcre2_match_data_create_from_pattern(re, NULL);
    /* Validated just above: PCRE2 need not do it again. */
    rc = pcre2_match(re, (PCRE2_SPTR) buf_str(m->text), buf_len(m->text), 0,
		     PCRE2_NO_UTF_CHECK, md, NULL);
    if (rc > 0) {
	size_t  at = pcre2_get_ovector_pointer(md)[0];

	if (buf_len(m->orig) == 0) {
	    const char *rest = buf_str(m->text) + at;
	    const char *nl = strchr(rest, '\n');
	    const char *end;

	    if (nl) {
		nl++;
		while (*nl == '\n' || *nl == '\r')
		    nl++;
		end = strstr(nl, "\n\n");
		buf_append(m->orig, nl, end ? (size_t) (end - nl) + 1 : strlen(nl));
	    }
	}
	buf_truncate(m->text, at);
    }
}

/*
 * bp_mime_raw_body - the body as text when the MIME structure is broken
 *
 * Seen in the wild: a multipart/report whose boundary never occurs, or a
 * "boundary=" parameter on an unindented line that no parser accepts.
 * Reading the raw body still finds the recipients and the reply.
 */
static void bp_mime_raw_body(const char *data, size_t len, BUF *out)
{
    const char *end = data + len, *p = data, *body = 0;

    while (p < end) {
	const char *nl = memchr(p, '\n', (size_t) (end - p));

	if (nl == 0)
	    break;
	if (nl == p || (nl == p + 1 && *p == '\r')) {
	    body = nl + 1;
	    break;
	}
	p = nl + 1;
    }
    if (body && body < end)
	bp_mime_to_utf8(body, (size_t) (end - body), 0, out);
}

/*
 * bp_mime_inline_dsn - delivery-status fields inside the text
 *
 * When the delivery-status part is not a MIME part of its own (broken
 * boundaries, a report forwarded as plain text), move the block from
 * its "Reporting-MTA:" or first "Final-Recipient:" line up to the next
 * boundary-like line ("--...") from text to dsn.
 */
static void bp_mime_inline_dsn(BP_MIME *m)
{
    static pcre2_code *re;
    static pcre2_match_data *md;
    const char *t = buf_str(m->text), *start, *stop;

    if (re == 0) {
	int     err;
	PCRE2_SIZE off;

	re = pcre2_compile((PCRE2_SPTR) "^(?:Reporting-MTA|Final-Recipient|Original-Recipient):[ \\t]*\\S",
			   PCRE2_ZERO_TERMINATED, PCRE2_CASELESS | PCRE2_MULTILINE,
			   &err, &off, NULL);
	if (re == 0)
	    log_panic("bp_mime_inline_dsn: bad built-in pattern at %zu", (size_t) off);
	if (bp_use_jit)
	    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    }
    if (md == 0)
	md = pcre2_match_data_create_from_pattern(re, NULL);
    if (pcre2_match(re, (PCRE2_SPTR) t, buf_len(m->text), 0, 0, md, NULL) > 0
	&& strcasestr(t, "final-recipient:") != 0) {
	start = t + pcre2_get_ovector_pointer(md)[0];
	stop = start;
	while ((stop = strstr(stop, "\n--")) != 0) {
	    if (stop[3] != ' ' && stop[3] != '-')
		break;
	    stop += 3;
	}
	buf_append(m->dsn, start, stop ? (size_t) (stop - start) : strlen(start));
	buf_puts(m->dsn, "\n\n");
	buf_truncate(m->text, (size_t) (start - t));
    }
}

/*
 * bp_mime_precut - drop the bodies of returned originals before GMime
 *
 * Only the header block of a message/rfc822 part is ever read, but GMime
 * would build (and later free) a MIME tree for its whole body, often the
 * largest part of a bounce. A line scan copies the message and leaves
 * out everything between the end of such a part's inner header block
 * and the next boundary line of an enclosing multipart (or the end of
 * the message), so that GMime sees a header-only original; the part
 * itself becomes a part without header fields holding a stand-in line
 * when the walk can read the block from the raw text. Originals sent
 * base64 or quoted-printable are kept as they are; a transfer encoding
 * of another name leaves the message to GMime.
 * Other parts keep only their Content-Type and Content-Transfer-Encoding
 * fields when their header block has plain fields only.
 *
 * The boundaries are a stack as in GMime: those of multipart
 * Content-Type fields, innermost first; a boundary line ends the
 * multiparts inside its own, a closing line its own too. A boundary
 * line inside a header block, a boundary too long, too many of them,
 * or an original that reuses an enclosing boundary: GMime gets the
 * message as it is. Returns 0 when there is nothing to change.
 */
#define BP_PRECUT_NORIG	16		/* originals' header blocks remembered */

/* bp_precut_param - boundary parameter on a header line: length, 0, -1 */

static int bp_precut_param(const char *p, const char *next, char *bound)
{
    const char *b = memchr(p, '=', (size_t) (next - p)) ?
	memmem(p, (size_t) (next - p), "oundary=", 8) : 0;
    size_t  i = 0;
    int     quoted = 0;

    if (b == 0 || b == p || (b[-1] != 'b' && b[-1] != 'B'))
	return (0);
    b += 8;
    if (b < next && *b == '"') {
	quoted = 1;
	b++;
    }
    while (b < next && *b != '"' && *b != '\r' && *b != '\n'
	   && (quoted || (*b != ';' && *b != ' ' && *b != '\t'))
	   && i < 71)
	bound[i++] = *b++;
    if (i == 71)
	return (-1);
    while (i > 0 && (bound[i - 1] == ' ' || bound[i - 1] == '\t'))
	i--;
    bound[i] = 0;
    return ((int) i);
}

static int bp_precut(const char *data, size_t len, BUF *out)
{
    enum {
	HDR, BODY, PART_HDR, INNER_HDR, SKIP,
    }       state = HDR;
    BP_BOUNDS st;			/* enclosing boundaries */
    int     rfc822 = 0, encoded = 0, cut = 0, in_ct = 0, multi = 0;
    int     bi, closing, filtered = 0, nct = 0;
    const char *p = data, *end = data + len, *keep = data, *inner = data;
    const char *part = data;		/* the current part's header block */

    bp_orig_n = 0;
    bp_bounds_init(&st);

    while (p < end) {
	const char *nl = memchr(p, '\n', (size_t) (end - p));
	const char *next = nl ? nl + 1 : end;
	size_t  n = (size_t) (next - p);
	/* An empty line; a last line without newline is never one. */
	int     blank = nl != 0 && (n == 1 || (n == 2 && p[0] == '\r'));

	switch (state) {
	case SKIP:
	case BODY:
	    if ((bi = bp_bounds_line(&st, p, next, &closing)) < 0)
		return (0);			/* starts like a boundary line */
	    if (bi == 0) {
		/* A multipart in the original that starts like an enclosing one. */
		if (state == SKIP && bp_bounds_nested(p, next, &st))
		    return (0);
		break;
	    }
	    /* Resume at the boundary line of the enclosing multipart. */
	    if (state == SKIP)
		keep = p;

	    /*
	     * The multiparts inside the one whose boundary this is have
	     * ended; after its closing line comes its epilogue, else the
	     * header block of its next part.
	     */
	    st.n = closing ? bi - 1 : bi;
	    state = closing ? BODY : PART_HDR;
	    rfc822 = encoded = nct = 0;
	    part = next;
	    break;
	case HDR:
	case PART_HDR:
	    /* A boundary where a header block goes on: GMime's call. */
	    if (state == PART_HDR && bp_bounds_line(&st, p, next, &closing))
		return (0);
	    if (blank) {
		/*
		 * GMime builds an object per field: a part's header block
		 * of plain fields keeps the two that count (not for a
		 * returned original: its part header goes altogether).
		 */
		if (state == PART_HDR && p > part && !(rfc822 && !encoded)
		    && bp_mime_rawhdr_ok(part, p)) {
		    const char *f, *hp, *hnl;
		    int     other = 0;

		    for (hp = part; hp < p; hp = hnl + 1) {
			f = hp;
			while ((hnl = memchr(hp, '\n', (size_t) (p - hp))) != 0
			       && hnl + 1 < p && (hnl[1] == ' ' || hnl[1] == '\t'))
			    hp = hnl + 1;
			if (hnl == 0)
			    hnl = p - 1;
			if (!other && strncasecmp(f, "content-type:", 13) != 0
			    && strncasecmp(f, "content-transfer-encoding:", 26) != 0) {
			    /* Copy up to here; from now on field by field. */
			    buf_append(out, keep, (size_t) (f - keep));
			    other = 1;
			} else if (other && (strncasecmp(f, "content-type:", 13) == 0
			       || strncasecmp(f, "content-transfer-encoding:", 26) == 0))
			    buf_append(out, f, (size_t) (hnl + 1 - f));
		    }
		    if (other) {
			keep = p;
			filtered = 1;
		    }
		}
		state = (state == PART_HDR && rfc822 && !encoded) ? INNER_HDR : BODY;
		inner = next;
		in_ct = 0;
		break;
	    }
	    /* A boundary counts in a multipart's Content-Type only, as in GMime. */
	    if (*p != ' ' && *p != '\t') {
		in_ct = (n > 13 && strncasecmp(p, "content-type:", 13) == 0);
		multi = -1;			/* not known yet */
		/* Two Content-Type fields: GMime takes the last one. */
		if (in_ct && nct++)
		    return (0);
	    }
	    if (in_ct && multi < 0) {
		const char *v = p + (*p == ' ' || *p == '\t' ? 0 : 13);

		while (v < next && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
		    v++;
		if (v < next)
		    multi = (next - v > 10 && strncasecmp(v, "multipart/", 10) == 0);
	    }
	    if (in_ct && multi > 0) {
		char    b[72];
		int     bl = bp_precut_param(p, next, b);

		/*
		 * Too long, too many, or one that starts like an enclosing
		 * one: GMime's call, cut nothing.
		 */
		if (bl < 0 || (bl > 0 && (bp_bounds_collide(&st, b, (size_t) bl)
					  || !bp_bounds_push(&st, b, (size_t) bl))))
		    return (0);
	    }
	    if (state == PART_HDR) {
		if (n > 13 && strncasecmp(p, "content-type:", 13) == 0) {
		    const char *v = p + 13;

		    while (v < next && (*v == ' ' || *v == '\t'))
			v++;
		    /* The whole subtype: message/rfc822x is a leaf to GMime. */
		    rfc822 = (next - v >= 14 && strncasecmp(v, "message/rfc822", 14) == 0
			      && (next - v == 14 || (v[14] && strchr(";( \t\r\n", v[14]))));
		} else if (n > 26 && strncasecmp(p, "content-transfer-encoding:", 26) == 0) {
		    const char *e = next;
		    int     enc;

		    while (e > p && (e[-1] == '\r' || e[-1] == '\n'))
			e--;

		    /*
		     * GMime reads a message part unless base64, quoted-printable
		     * or uuencode; an unknown name counts as 7bit there. Only
		     * the plain names here, anything else is GMime's call.
		     */
		    if ((enc = bp_mimescan_cte(p + 26, e)) < 0)
			return (0);
		    encoded = (enc != 0);
		}
	    }
	    break;
	case INNER_HDR:
	    if (bp_bounds_line(&st, p, next, &closing))
		return (0);
	    if (!blank) {
		/*
		 * An original that reuses an enclosing boundary (or one that
		 * starts the same) takes the following parts in GMime's view:
		 * leave such a message to GMime as it is.
		 */
		if (bp_bounds_nested(p, next, &st))
		    return (0);
	    }
	    if (blank) {
		if (p > inner && bp_orig_n < BP_PRECUT_NORIG && bp_mime_rawhdr_ok(inner, p)) {
		    /*
		     * GMime gets a part without header fields whose body is a
		     * stand-in line, the walk reads the block: a message part
		     * would cost GMime a message object, its header list and
		     * an empty body part.
		     */
		    buf_append(out, keep, (size_t) (part - keep));
		    buf_puts(out, n == 2 ? "\r\n" : "\n");
		    buf_printf(out, "%s: %d%s", bp_orig_field, bp_orig_n, n == 2 ? "\r\n" : "\n");
		    buf_append(out, p, n);
		    bp_orig_blk[bp_orig_n].start = inner;
		    bp_orig_blk[bp_orig_n++].end = p;
		} else {
		    /* Keep the inner header block and its empty line. */
		    buf_append(out, keep, (size_t) (next - keep));
		}
		keep = next;
		state = SKIP;
		cut = 1;
	    }
	    break;
	}
	p = next;
    }
    if (!cut) {
	bp_orig_n = 0;
	if (!filtered)
	    return (0);
    }

    /*
     * No enclosing boundary after the last original (a bounce cut short
     * by its MTA): in GMime's view too its body runs to the end, as no
     * line there is a boundary (GMime takes what bp_bounds_line()
     * takes).
     */
    if (state != SKIP)
	buf_append(out, keep, (size_t) (end - keep));
    return (1);
}

/*
 * Line index of the two header blocks of the last parsed message: the
 * classifier asks for some twenty fields per message, each lookup
 * would otherwise scan the whole block (long Received: lines). Only
 * blocks registered by bp_mime_parse() are indexed, and only while
 * their data and length are the same; bp_mime_free() drops them.
 */
#define BP_HIDX_BLOCKS	2
#define BP_HIDX_LINES	256

static struct BP_HIDX {
    const BUF *block;			/* registered block, or NULL */
    const char *data;			/* its data and length when indexed */
    size_t  len;
    int     n;				/* lines; -1: not indexed yet */
    unsigned off[BP_HIDX_LINES];	/* line starts */
} bp_hidx[BP_HIDX_BLOCKS];

static void bp_hidx_register(int i, const BUF *block)
{
    bp_hidx[i].block = block;
    bp_hidx[i].n = -1;
}

static void bp_hidx_drop(const BUF *block)
{
    int     i;

    for (i = 0; i < BP_HIDX_BLOCKS; i++)
	if (bp_hidx[i].block == block)
	    bp_hidx[i].block = 0;
}

/* bp_hidx_find - the index of a registered, unchanged block, or NULL */

static struct BP_HIDX *bp_hidx_find(const BUF *block)
{
    struct BP_HIDX *x;
    const char *s, *nl;
    int     i;

    for (i = 0; i < BP_HIDX_BLOCKS; i++)
	if (bp_hidx[i].block == block)
	    break;
    if (i == BP_HIDX_BLOCKS)
	return (0);
    x = bp_hidx + i;
    if (x->n >= 0 && x->data == block->data && x->len == block->len)
	return (x);
    /* (Re)build: the lines up to the first NUL, as the scan sees them. */
    x->data = block->data;
    x->len = block->len;
    x->n = 0;
    for (s = block->data; s && *s; s = nl ? nl + 1 : 0) {
	if (x->n == BP_HIDX_LINES || (size_t) (s - block->data) > UINT_MAX) {
	    x->n = -1;
	    return (0);
	}
	x->off[x->n++] = (unsigned) (s - block->data);
	nl = strchr(s, '\n');
    }
    return (x);
}

/* bp_mime_nocr - drop carriage returns; the text ends at its first NUL */

static void bp_mime_nocr(BUF *b)
{
    char   *s = buf_str(b), *d;

    /* Most texts have none: one strchr() decides. */
    if ((s = strchr(s, '\r')) == 0) {
	buf_truncate(b, strlen(buf_str(b)));
	return;
    }
    for (d = s; *s; s++)
	if (*s != '\r')
	    *d++ = *s;
    buf_truncate(b, (size_t) (d - buf_str(b)));
}

/* bp_mime_alloc - an empty result */

static BP_MIME *bp_mime_alloc(void)
{
    BP_MIME *m = xcalloc(1, sizeof(*m));

    m->headers = buf_alloc(1024);
    m->text = buf_alloc(4096);
    m->dsn = buf_alloc(256);
    m->arf = buf_alloc(64);
    m->orig = buf_alloc(1024);
    return (m);
}

/* bp_mime_finish - what follows the MIME walk */

static void bp_mime_finish(BP_MIME *m, const char *data, size_t len)
{
    if (buf_len(m->text) == 0 && buf_len(m->dsn) == 0 && buf_len(m->arf) == 0)
	bp_mime_raw_body(data, len, m->text);
    if (buf_len(m->dsn) == 0)
	bp_mime_inline_dsn(m);
    /* Normalize line ends. */
    bp_mime_nocr(m->text);
    bp_mime_nocr(m->dsn);
    bp_mime_cut(m);
    bp_hidx_register(0, m->headers);
    bp_hidx_register(1, m->orig);
}

/* bp_mime_parse - parse one message */

BP_MIME *bp_mime_parse(const char *data, size_t len)
{
    static GMimeStream *stream;
    static GMimeParser *parser;
    static GByteArray *bytes;		/* the stream's data */
    GMimeObject *top;
    GMimeContentType *ct;
    static BUF *cutbuf;			/* the message without originals' bodies */
    static BUF *mimebuf;		/* the message, GMime's fields only */
    const char *hp, *hnl, *hdr_end = 0, *in;
    size_t  in_len;
    BP_MIME *m;
    BP_WALK w;

    bp_mime_init();
    if (cutbuf == 0) {
	cutbuf = buf_alloc(8192);
	mimebuf = buf_alloc(8192);
    }
    /* An mbox "From " envelope line is no header field: skip it. */
    if (len > 5 && strncmp(data, "From ", 5) == 0) {
	const char *nl = memchr(data, '\n', len);

	if (nl) {
	    len -= (size_t) (nl + 1 - data);
	    data = nl + 1;
	}
    }
    /* The report's header block: read here; GMime gets two fields. */
    for (hp = data; hp < data + len; hp = hnl + 1) {
	if ((hnl = memchr(hp, '\n', (size_t) (data + len - hp))) == 0)
	    break;
	if (hnl == hp || (hnl == hp + 1 && *hp == '\r')) {
	    hdr_end = hp;
	    break;
	}
    }
    in = data;
    in_len = len;
    if (!(hdr_end && hdr_end > data && bp_mime_gmime_only != 1
	  && bp_mime_rawhdr_ok(data, hdr_end)))
	hdr_end = 0;
    /* Most reports: the structure by line scan, no GMime tree. */
    if (hdr_end && !bp_mime_gmime_only) {
	m = bp_mime_alloc();
	if (bp_mimescan(data, hdr_end, len, m)) {
	    bp_mime_rawhdr(data, hdr_end, 0, m->headers);
	    bp_mime_finish(m, data, len);
	    return (m);
	}
	bp_mime_free(m);
    }
    if (hdr_end) {
	buf_reset(mimebuf);
	for (hp = data; hp < hdr_end; hp = hnl + 1) {
	    const char *f = hp;

	    while ((hnl = memchr(hp, '\n', (size_t) (hdr_end - hp))) != 0
		   && hnl + 1 < hdr_end && (hnl[1] == ' ' || hnl[1] == '\t'))
		hp = hnl + 1;
	    if (hnl == 0)
		hnl = hdr_end - 1;
	    /* GMime builds an object per field: only these two count. */
	    if (strncasecmp(f, "content-type:", 13) == 0
		|| strncasecmp(f, "content-transfer-encoding:", 26) == 0)
		buf_append(mimebuf, f, (size_t) (hnl + 1 - f));
	}
	buf_append(mimebuf, hdr_end, (size_t) (data + len - hdr_end));
	in = buf_str(mimebuf);
	in_len = buf_len(mimebuf);
    }
    buf_reset(cutbuf);
    /* A header block GMime reads differently: leave the message whole. */
    if (!(hdr_end && !bp_mime_gmime_only && bp_precut(in, in_len, cutbuf))) {
	bp_orig_n = 0;				/* no stand-in fields */
	buf_reset(cutbuf);
	buf_append(cutbuf, in, in_len);
    }

    /*
     * One memory stream and one parser for all messages: the stream's
     * byte array is refilled, the parser started over on it (the parts
     * of the last message, which refer to the stream, are gone).
     */
    if (parser == 0) {
	bytes = g_byte_array_new();
	stream = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new();
    }
    g_byte_array_set_size(bytes, 0);
    g_byte_array_append(bytes, (const guint8 *) buf_str(cutbuf), (guint) buf_len(cutbuf));
    g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(stream), bytes);
    g_mime_parser_init_with_stream(parser, stream);

    /*
     * The report itself as a MIME part, not a GMimeMessage: its header
     * fields are kept as they are, without the address, date and
     * subject parsing a message's fields get (a third of the parse
     * time); bp_mime_headers() decodes what is read.
     */
    top = g_mime_parser_construct_part(parser, NULL);
    if (top == 0)
	return (0);

    m = bp_mime_alloc();
    if (hdr_end)
	bp_mime_rawhdr(data, hdr_end, 0, m->headers);
    else
	bp_mime_headers(top, m->headers);
    ct = g_mime_object_get_content_type(top);
    if (ct) {
	const char *rt = g_mime_content_type_get_parameter(ct, "report-type");
	char   *p;

	p = g_mime_content_type_get_mime_type(ct);
	bp_ascii_lower(m->content_type = xstrdup(p));
	g_free(p);
	bp_ascii_lower(m->report_type = xstrdup(rt ? rt : ""));
    } else {
	m->content_type = xstrdup("text/plain");
	m->report_type = xstrdup("");
    }
    w.m = m;
    w.html = buf_alloc(256);
    w.nhtml = 0;
    w.seen_orig = 0;
    bp_mime_walk(&w, top, 0);
    if (buf_len(m->text) == 0)
	bp_mime_html_flush(&w);
    if (buf_len(m->text) == 0 && buf_len(w.html) > 0)
	buf_append(m->text, buf_str(w.html), buf_len(w.html));
    buf_free(w.html);
    g_object_unref(top);
    bp_mime_finish(m, data, len);
    return (m);
}

/* bp_mime_free - destroy */

void    bp_mime_free(BP_MIME *m)
{
    if (m == 0)
	return;
    bp_hidx_drop(m->headers);
    bp_hidx_drop(m->orig);
    buf_free(m->headers);
    buf_free(m->text);
    buf_free(m->dsn);
    buf_free(m->arf);
    buf_free(m->orig);
    free(m->content_type);
    free(m->report_type);
    free(m);
}

/* bp_mime_header - first value of a header field in a header block */

int     bp_mime_header(const BUF *block, const char *name, BUF *out)
{
    const char *s = block->data;
    size_t  n = strlen(name);
    struct BP_HIDX *x;
    int     i;

    buf_reset(out);
    if ((x = bp_hidx_find(block)) != 0) {
	for (i = 0; i < x->n; i++) {
	    s = block->data + x->off[i];
	    if ((*s | 0x20) == (*name | 0x20) && strncasecmp(s, name, n) == 0 && s[n] == ':')
		break;
	}
	if (i == x->n)
	    return (0);
    }
    while (s && *s) {
	if ((*s | 0x20) == (*name | 0x20) && strncasecmp(s, name, n) == 0 && s[n] == ':') {
	    const char *v = s + n + 1, *e;

	    while (*v == ' ' || *v == '\t')
		v++;
	    e = strchr(v, '\n');
	    buf_append(out, v, e ? (size_t) (e - v) : strlen(v));
	    while (buf_len(out) && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\r'))
		buf_truncate(out, out->len - 1);
	    return (1);
	}
	s = strchr(s, '\n');
	if (s)
	    s++;
    }
    return (0);
}
