/*
 * NAME
 *	mlt_mime 3 - merge variables into a whole MIME message with GMime
 * DESCRIPTION
 *	See mlt_mime.h. GMime parses the source and writes the MIME body,
 *	so that transfer encodings, charsets and boundaries are done by a
 *	library that has seen more broken mail than we will; this file
 *	only decides what text goes where.
 */
#include <string.h>
#include <strings.h>
#include <stdlib.h>

#include <gmime/gmime.h>

#include "mem.h"
#include "buf.h"

#include "mlt_merge.h"
#include "mlt_mime.h"

/* mlt_mime_init - once per process, before threads */

void    mlt_mime_init(void)
{
    g_mime_init();
}

/* mlt_hdrs_add - append one header */

void    mlt_hdrs_add(MLT_HDRS *hdrs, const char *name, const char *value)
{
    if (hdrs->count == hdrs->size) {
	hdrs->size = hdrs->size ? hdrs->size * 2 : 16;
	hdrs->h = xrealloc(hdrs->h, hdrs->size * sizeof(*hdrs->h));
    }
    hdrs->h[hdrs->count].name = xstrdup(name);
    hdrs->h[hdrs->count].value = xstrdup(value);
    hdrs->count++;
}

/* mlt_hdrs_free - release the contents */

void    mlt_hdrs_free(MLT_HDRS *hdrs)
{
    size_t  i;

    for (i = 0; i < hdrs->count; i++) {
	free(hdrs->h[i].name);
	free(hdrs->h[i].value);
    }
    free(hdrs->h);
    memset(hdrs, 0, sizeof(*hdrs));
}

/* mlt_fold - fold a header value at white space */

void    mlt_fold(const char *name, const char *value, BUF *out)
{
    size_t  col = strlen(name) + 2;
    const char *cp = value, *sp;
    size_t  wlen;

    buf_reset(out);
    while (*cp == ' ' || *cp == '\t')
	cp++;
    while (*cp) {
	sp = cp;
	while (*sp == ' ' || *sp == '\t')
	    sp++;
	wlen = strcspn(sp, " \t");
	if (cp != value && sp > cp && col + (sp - cp) + wlen > 78 && buf_len(out) > 0) {
	    buf_puts(out, "\n ");
	    col = 1;
	    cp = sp;
	}
	buf_append(out, cp, sp - cp + wlen);
	col += sp - cp + wlen;
	cp = sp + wlen;
    }
}

/* mlt_strip_ctl - unfold and turn any control character into a space */

static void mlt_strip_ctl(const char *in, BUF *out)
{
    const unsigned char *cp;
    int     prev_space = 0;

    buf_reset(out);
    for (cp = (const unsigned char *) in; *cp; cp++) {
	if (*cp == '\r' || *cp == '\n')
	    continue;
	if (*cp < 0x20 || *cp == 0x7f) {
	    if (!prev_space)
		buf_putc(out, ' ');
	    prev_space = 1;
	    continue;
	}
	buf_putc(out, *cp);
	prev_space = (*cp == ' ');
    }
}

/* mlt_is_ascii - 7-bit text */

static int mlt_is_ascii(const char *s)
{
    for (; *s; s++)
	if (*(const unsigned char *) s >= 0x80)
	    return (0);
    return (1);
}

/* mlt_is_addr_header - headers whose value is an address list */

static int mlt_is_addr_header(const char *name)
{
    static const char *const names[] = {
	"from", "to", "cc", "bcc", "reply-to", "sender", "resent-from",
	"resent-to", "resent-cc", "resent-sender", 0,
    };
    const char *const *np;

    for (np = names; *np; np++)
	if (strcasecmp(name, *np) == 0)
	    return (1);
    return (0);
}

/* mlt_encode_value - RFC 2047 for non-ASCII, address-aware */

static void mlt_encode_value(const char *name, const char *text, BUF *out)
{
    char   *enc = 0;
    BUF    *tmp = buf_alloc(256);

    if (mlt_is_ascii(text)) {
	mlt_strip_ctl(text, out);
	buf_free(tmp);
	return;
    }
    if (mlt_is_addr_header(name)) {
	InternetAddressList *list = internet_address_list_parse(NULL, text);

	if (list && internet_address_list_length(list) > 0)
	    enc = internet_address_list_to_string(list, NULL, TRUE);
	if (list)
	    g_object_unref(list);
    }
    if (enc == 0)
	enc = g_mime_utils_header_encode_text(NULL, text, "utf-8");
    mlt_strip_ctl(enc, out);
    g_free(enc);
    buf_free(tmp);
}

typedef struct MLT_WALK {
    MLT_VARS *vars;
    const MLT_MERGE_OPTS *opts;
    int     status;			/* 0, -1 missing */
    BUF    *why;
    BUF    *text;
} MLT_WALK;

/* mlt_html_footer - escaped footer with <br> line breaks */

static void mlt_html_footer(const char *footer, BUF *out)
{
    const char *cp = footer, *nl;

    buf_puts(out, "<div class=\"postbulk-footer\">");
    while (*cp) {
	nl = cp + strcspn(cp, "\n");
	mlt_html_escape(cp, nl - cp, out);
	if (*nl == 0)
	    break;
	buf_puts(out, "<br>\n");
	cp = nl + 1;
    }
    buf_puts(out, "</div>\n");
}

/* mlt_find_body_end - offset of the last "</body", case-insensitive */

static const char *mlt_find_body_end(const char *s)
{
    const char *last = 0, *cp;

    for (cp = s; (cp = strchr(cp, '<')) != 0; cp++)
	if (strncasecmp(cp, "</body", 6) == 0)
	    last = cp;
    return (last);
}

/* mlt_crlf_to_lf - in place; GMime writes the line ends back as CRLF */

static void mlt_crlf_to_lf(char *text)
{
    char   *in, *out;

    for (in = out = text; *in; in++)
	if (!(in[0] == '\r' && in[1] == '\n'))
	    *out++ = *in;
    *out = 0;
}

/* mlt_walk_part - merge one leaf */

static void mlt_walk_part(GMimeObject *parent, GMimeObject *part, gpointer ctx)
{
    MLT_WALK *walk = ctx;
    GMimeContentType *ct;
    GMimeContentDisposition *cd;
    int     html;
    char   *text;

    if (walk->status != 0 || !GMIME_IS_TEXT_PART(part))
	return;
    ct = g_mime_object_get_content_type(part);
    if (g_mime_content_type_is_type(ct, "text", "html"))
	html = 1;
    else if (g_mime_content_type_is_type(ct, "text", "plain"))
	html = 0;
    else
	return;
    cd = g_mime_object_get_content_disposition(part);
    if (cd && g_mime_content_disposition_is_attachment(cd))
	return;
    text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    if (text == 0)
	text = g_strdup("");
    mlt_crlf_to_lf(text);
    buf_reset(walk->text);
    if (mlt_subst(text, strlen(text), walk->vars,
		  (html ? MLT_SUBST_HTML : 0)
		  | (walk->opts->missing_empty ? MLT_SUBST_EMPTY : 0),
		  walk->text, walk->why) < 0) {
	walk->status = -1;
	g_free(text);
	return;
    }
    g_free(text);
    if (walk->opts->footer && *walk->opts->footer) {
	if (html) {
	    const char *end = mlt_find_body_end(buf_str(walk->text));
	    BUF    *html_buf = buf_alloc(buf_len(walk->text) + 512);

	    if (end) {
		buf_append(html_buf, buf_str(walk->text), end - buf_str(walk->text));
		mlt_html_footer(walk->opts->footer, html_buf);
		buf_puts(html_buf, end);
	    } else {
		buf_append(html_buf, buf_str(walk->text), buf_len(walk->text));
		mlt_html_footer(walk->opts->footer, html_buf);
	    }
	    buf_reset(walk->text);
	    buf_append(walk->text, buf_str(html_buf), buf_len(html_buf));
	    buf_free(html_buf);
	} else {
	    if (buf_len(walk->text) > 0 && buf_str(walk->text)[buf_len(walk->text) - 1] != '\n')
		buf_putc(walk->text, '\n');
	    buf_puts(walk->text, "\n");
	    buf_puts(walk->text, walk->opts->footer);
	    if (buf_str(walk->text)[buf_len(walk->text) - 1] != '\n')
		buf_putc(walk->text, '\n');
	}
    }
    /*
     * Always UTF-8: g_mime_text_part_set_text() would pick the "best"
     * charset (Latin-1 for French, say), which is correct but makes
     * the output depend on the values.
     */
    {
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(buf_str(walk->text),
							 buf_len(walk->text));
	GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(stream,
					       GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(GMIME_PART(part), content);
	g_object_unref(content);
	g_object_unref(stream);
	/*
	 * A fresh Content-Type: GMime 3.2's parameter encoder can spend
	 * gigabytes on a crafted parameter (found by the fuzzer), and the
	 * old parameters (charset, name, format) no longer apply anyway.
	 */
	{
	    GMimeContentType *fresh = g_mime_content_type_new("text",
						       html ? "html" : "plain");

	    g_mime_content_type_set_parameter(fresh, "charset", "utf-8");
	    g_mime_object_set_content_type(part, fresh);
	    g_object_unref(fresh);
	}
    }
    g_mime_part_set_content_encoding(GMIME_PART(part),
		  g_mime_part_get_best_content_encoding(GMIME_PART(part),
					     GMIME_ENCODING_CONSTRAINT_7BIT));
}

/* mlt_split_headers - parse "Name: value\r\n..." up to the empty line */

static const char *mlt_split_headers(const char *data, size_t len, MLT_HDRS *hdrs,
				             BUF *tmp)
{
    const char *cp = data, *end = data + len, *eol, *colon;
    BUF    *name = buf_alloc(64);

    buf_reset(tmp);
    while (cp < end) {
	eol = memchr(cp, '\n', end - cp);
	if (eol == 0)
	    eol = end;
	if (eol == cp || (eol == cp + 1 && *cp == '\r')) {
	    cp = eol < end ? eol + 1 : end;
	    break;
	}
	if ((*cp == ' ' || *cp == '\t') && buf_len(name) > 0) {
	    buf_putc(tmp, ' ');
	    buf_append(tmp, cp, eol - cp);
	} else {
	    if (buf_len(name) > 0) {
		BUF    *v = buf_alloc(buf_len(tmp) + 1);

		mlt_strip_ctl(buf_str(tmp), v);
		mlt_hdrs_add(hdrs, buf_str(name), buf_str(v) + strspn(buf_str(v), " "));
		buf_free(v);
	    }
	    colon = memchr(cp, ':', eol - cp);
	    buf_reset(name);
	    buf_reset(tmp);
	    if (colon) {
		buf_append(name, cp, colon - cp);
		buf_append(tmp, colon + 1, eol - colon - 1);
	    }
	}
	cp = eol < end ? eol + 1 : end;
    }
    if (buf_len(name) > 0) {
	BUF    *v = buf_alloc(buf_len(tmp) + 1);

	mlt_strip_ctl(buf_str(tmp), v);
	mlt_hdrs_add(hdrs, buf_str(name), buf_str(v) + strspn(buf_str(v), " "));
	buf_free(v);
    }
    buf_free(name);
    return (cp);
}

/* mlt_mime_merge - the whole message */

int     mlt_mime_merge(const char *msg, size_t len, MLT_VARS *vars,
		               const MLT_MERGE_OPTS *opts, MLT_HDRS *hdrs,
		               BUF *body, BUF *why)
{
    GMimeStream *in, *out;
    GMimeParser *parser;
    GMimeMessage *message;
    GMimeObject *top;
    GMimeHeaderList *hl;
    GMimeFormatOptions *fmt;
    GByteArray *ba;
    MLT_WALK walk;
    BUF    *merged = buf_alloc(256);
    BUF    *enc = buf_alloc(256);
    int     i, count, status = 0;
    int     flags = MLT_SUBST_HEADER | (opts->missing_empty ? MLT_SUBST_EMPTY : 0);
    const char *rest;

    in = g_mime_stream_mem_new_with_buffer(msg, len);
    parser = g_mime_parser_new_with_stream(in);
    g_object_unref(in);
    message = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    if (message == 0) {
	buf_sprintf(why, "cannot parse the message as MIME");
	buf_free(merged);
	buf_free(enc);
	return (-2);
    }

    /*
     * Top-level headers other than the MIME ones, merged and encoded.
     */
    hl = g_mime_object_get_header_list(GMIME_OBJECT(message));
    count = g_mime_header_list_get_count(hl);
    for (i = 0; i < count; i++) {
	GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
	const char *name = g_mime_header_get_name(h);
	const char *raw = g_mime_header_get_raw_value(h);
	char   *unfolded, *decoded;

	if (strncasecmp(name, "X-Postbulk-", 11) == 0
	    || strncasecmp(name, "Content-", 8) == 0
	    || strcasecmp(name, "MIME-Version") == 0)
	    continue;
	unfolded = g_mime_utils_header_unfold(raw ? raw : "");
	decoded = g_mime_utils_header_decode_text(NULL, unfolded);
	g_free(unfolded);
	buf_reset(merged);
	if (opts->subject_prefix && strcasecmp(name, "Subject") == 0) {
	    const char *s = decoded + strspn(decoded, " \t");

	    if (strncmp(s, opts->subject_prefix, strlen(opts->subject_prefix)) != 0) {
		buf_puts(merged, opts->subject_prefix);
		buf_putc(merged, ' ');
	    }
	}
	if (mlt_subst(decoded, strlen(decoded), vars, flags, merged, why) < 0) {
	    g_free(decoded);
	    status = -1;
	    goto done;
	}
	g_free(decoded);
	mlt_encode_value(name, buf_str(merged) + strspn(buf_str(merged), " \t"), enc);
	mlt_hdrs_add(hdrs, name, buf_str(enc));
    }

    /*
     * Text leaves.
     */
    walk.vars = vars;
    walk.opts = opts;
    walk.status = 0;
    walk.why = why;
    walk.text = merged;
    g_mime_message_foreach(message, mlt_walk_part, &walk);
    if (walk.status != 0) {
	status = walk.status;
	goto done;
    }

    /*
     * Let GMime write the MIME part: its headers become the message's
     * Content-* headers, the rest is the new body.
     */
    top = g_mime_message_get_mime_part(message);
    buf_reset(body);
    mlt_hdrs_add(hdrs, "MIME-Version", "1.0");
    if (top != 0) {
	out = g_mime_stream_mem_new();
	fmt = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fmt, GMIME_NEWLINE_FORMAT_DOS);
	g_mime_object_write_to_stream(top, fmt, out);
	g_mime_format_options_free(fmt);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	rest = mlt_split_headers((const char *) ba->data, ba->len, hdrs, enc);
	buf_append(body, rest, (const char *) ba->data + ba->len - rest);
	g_object_unref(out);
    }

done:
    g_object_unref(message);
    buf_free(merged);
    buf_free(enc);
    return (status);
}
