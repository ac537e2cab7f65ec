/*
 * NAME
 *	message 3 - the per-recipient message of a campaign
 * SYNOPSIS
 *	#include "message.h"
 * DESCRIPTION
 *	See message.h. The file is encoded once; rendering a row is a
 *	few appends, so a campaign's CPU cost stays with Postfix.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Utility library. */
#include <openssl/evp.h>

/* Project library. */
#include "mem.h"
#include "buf.h"
#include "addr.h"

/* Application-specific. */
#include "smtp_client.h"
#include "message.h"

/* sub_msg_load - read and encode --message FILE */

int     sub_msg_load(SUB_MSG *m, const char *path, BUF *why)
{
    FILE   *fp;
    BUF    *raw, *hdrs;
    char    chunk[65536];
    size_t  n, pos = 0, len;
    const char *s;

    m->headers = buf_alloc(1024);
    m->body = buf_alloc(1024);
    if (path == 0)
	return (0);
    if ((fp = fopen(path, "r")) == 0) {
	buf_sprintf(why, "open message %s: %s", path, strerror(errno));
	return (-1);
    }
    raw = buf_alloc(65536);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
	buf_append(raw, chunk, n);
    if (ferror(fp)) {
	buf_sprintf(why, "read message %s: %s", path, strerror(errno));
	fclose(fp);
	buf_free(raw);
	return (-1);
    }
    fclose(fp);
    s = buf_str(raw);
    len = buf_len(raw);
    hdrs = buf_alloc(4096);

    /* Header block: logical headers up to the first empty line. */
    while (pos < len && s[pos] != '\n' && !(s[pos] == '\r' && pos + 1 < len
					    && s[pos + 1] == '\n')) {
	size_t  end = pos;
	const char *colon;

	for (;;) {
	    const char *nl = memchr(s + end, '\n', len - end);

	    end = nl ? (size_t) (nl - s) + 1 : len;
	    if (end >= len || (s[end] != ' ' && s[end] != '\t'))
		break;
	}
	colon = memchr(s + pos, ':', end - pos);
	if (colon == 0) {
	    buf_sprintf(why, "message %s: line %.40s... is not a header (the file "
			"must start with headers, then an empty line, then the body)",
			path, s + pos);
	    buf_free(raw);
	    buf_free(hdrs);
	    return (-1);
	}
	if (strncasecmp(s + pos, "X-Postbulk-", 11) == 0) {
	    pos = end;
	    continue;
	}
	if (colon - (s + pos) == 4 && strncasecmp(s + pos, "From", 4) == 0)
	    m->has_from = 1;
	if (colon - (s + pos) == 2 && strncasecmp(s + pos, "To", 2) == 0)
	    m->has_to = 1;
	buf_append(hdrs, s + pos, end - pos);
	if (end == len && s[end - 1] != '\n')
	    buf_putc(hdrs, '\n');
	pos = end;
    }
    /* Skip the empty line. */
    if (pos < len && s[pos] == '\r')
	pos++;
    if (pos < len && s[pos] == '\n')
	pos++;
    m->eight_bit |= sub_smtp_data_encode(buf_str(hdrs), buf_len(hdrs), 0, m->headers);
    m->eight_bit |= sub_smtp_data_encode(s + pos, len - pos, 0, m->body);
    buf_free(raw);
    buf_free(hdrs);
    return (0);
}

/* sub_msg_render - DATA for one recipient */

void    sub_msg_render(const SUB_MSG *m, const char *rcpt, const char *vars, BUF *out)
{
    buf_reset(out);
    if (!m->has_from && m->from_header)
	buf_printf(out, "From: %s\r\n", m->from_header);
    if (!m->has_to)
	buf_printf(out, "To: <%s>\r\n", rcpt);
    buf_printf(out, "X-Postbulk-Campaign: %s\r\n", m->campaign);
    if (m->template)
	buf_printf(out, "X-Postbulk-Template: %s\r\n", m->template);
    if (vars && *vars) {
	size_t  col = 16;			/* "X-Postbulk-Vars:" */

	buf_puts(out, "X-Postbulk-Vars: ");
	for (const char *p = vars; *p;) {
	    const char *amp = strchr(p + 1, '&');
	    size_t  seg = amp ? (size_t) (amp - p) : strlen(p);

	    if (col + seg > 900 && *p == '&') {
		buf_puts(out, "\r\n\t");
		col = 1;
	    }
	    buf_append(out, p, seg);
	    col += seg;
	    p += seg;
	}
	buf_puts(out, "\r\n");
    }
    if (m->send_at)
	buf_printf(out, "X-Postbulk-Send-At: %s\r\n", m->send_at);
    if (m->advertising)
	buf_puts(out, "X-Postbulk-Advertising: yes\r\n");
    buf_append(out, buf_str(m->headers), buf_len(m->headers));
    buf_puts(out, "\r\n");
    buf_append(out, buf_str(m->body), buf_len(m->body));
}

/* sub_msg_urlenc - RFC 3986 unreserved kept, the rest %XX */

static void sub_msg_urlenc(BUF *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
	if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
	    buf_putc(out, *p);
	} else {
	    buf_putc(out, '%');
	    buf_putc(out, hex[*p >> 4]);
	    buf_putc(out, hex[*p & 15]);
	}
    }
}

/* sub_msg_vars_add - key=value& */

void    sub_msg_vars_add(BUF *vars, const char *key, const char *value)
{
    if (buf_len(vars))
	buf_putc(vars, '&');
    sub_msg_urlenc(vars, key);
    buf_putc(vars, '=');
    sub_msg_urlenc(vars, value);
}

/* sub_msg_from - parse --from */

int     sub_msg_from(const char *from, BUF *header, BUF *addr, BUF *why)
{
    const char *lt = strrchr(from, '<');
    const char *gt = lt ? strchr(lt, '>') : 0;
    BUF    *name = buf_alloc(128);
    int     ascii = 1;

    buf_reset(addr);
    buf_reset(header);
    if (lt && gt) {
	const char *s = from, *e = lt;

	buf_append(addr, lt + 1, (size_t) (gt - lt - 1));
	while (s < e && isspace((unsigned char) *s))
	    s++;
	while (e > s && isspace((unsigned char) e[-1]))
	    e--;
	if (e - s >= 2 && *s == '"' && e[-1] == '"')
	    s++, e--;
	buf_append(name, s, (size_t) (e - s));
    } else {
	buf_puts(addr, from);
    }
    if (addr_check_syntax(buf_str(addr), why) < 0) {
	BUF    *t = buf_alloc(256);

	buf_sprintf(t, "--from \"%s\": %s", from, buf_str(why));
	buf_sprintf(why, "%s", buf_str(t));
	buf_free(t);
	buf_free(name);
	return (-1);
    }
    for (const char *c = buf_str(name); *c; c++)
	if ((unsigned char) *c >= 0x80 || *c == '"' || *c == '\\' || *c < 0x20)
	    ascii = 0;
    if (buf_len(name) == 0) {
	buf_printf(header, "<%s>", buf_str(addr));
    } else if (ascii) {
	buf_printf(header, "\"%s\" <%s>", buf_str(name), buf_str(addr));
    } else {
	/* RFC 2047 B-encoding, one encoded word per 45 input octets. */
	unsigned char b64[80];
	size_t  nlen = buf_len(name), off = 0;

	while (off < nlen) {
	    size_t  take = nlen - off > 45 ? 45 : nlen - off;

	    /* Do not split a UTF-8 sequence between encoded words. */
	    while (off + take < nlen && take > 1
		   && ((unsigned char) buf_str(name)[off + take] & 0xC0) == 0x80)
		take--;
	    EVP_EncodeBlock(b64, (unsigned char *) buf_str(name) + off, (int) take);
	    buf_printf(header, "%s=?UTF-8?B?%s?=", off ? " " : "", b64);
	    off += take;
	}
	buf_printf(header, " <%s>", buf_str(addr));
    }
    buf_free(name);
    return (0);
}

/* sub_msg_time - --at to RFC 3339 UTC */

int     sub_msg_time(const char *text, BUF *out, BUF *why)
{
    struct tm tm;
    time_t  t;
    const char *rest;
    char    stamp[64];

    memset(&tm, 0, sizeof(tm));
    if (text[0] == '@') {
	char   *end;

	t = (time_t) strtoll(text + 1, &end, 10);
	if (end == text + 1 || *end) {
	    buf_sprintf(why, "--at \"%s\": bad epoch seconds", text);
	    return (-1);
	}
    } else {
	if ((rest = strptime(text, "%Y-%m-%dT%H:%M", &tm)) == 0
	    && (rest = strptime(text, "%Y-%m-%d %H:%M", &tm)) == 0) {
	    buf_sprintf(why, "--at \"%s\": use YYYY-MM-DD HH:MM[:SS] (local time), "
			"RFC 3339 (2026-11-23T09:00:00+09:00) or @EPOCH", text);
	    return (-1);
	}
	if (*rest == ':') {
	    const char *r2 = strptime(rest, ":%S", &tm);

	    if (r2 == 0) {
		buf_sprintf(why, "--at \"%s\": bad seconds", text);
		return (-1);
	    }
	    rest = r2;
	}
	if (*rest == 0) {
	    tm.tm_isdst = -1;
	    t = mktime(&tm);
	} else {
	    long    off = 0;

	    if (strcmp(rest, "Z") != 0 && strcmp(rest, "z") != 0) {
		int     hh, mm;
		char    sign;

		if (sscanf(rest, "%c%2d:%2d", &sign, &hh, &mm) != 3
		    || (sign != '+' && sign != '-') || strlen(rest) != 6) {
		    buf_sprintf(why, "--at \"%s\": bad time zone \"%s\" (Z or +HH:MM)",
				text, rest);
		    return (-1);
		}
		off = (hh * 3600L + mm * 60L) * (sign == '-' ? -1 : 1);
	    }
	    t = timegm(&tm) - off;
	}
    }
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    buf_sprintf(out, "%s", stamp);
    return (0);
}
