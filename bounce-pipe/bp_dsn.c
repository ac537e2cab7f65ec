/*
 * NAME
 *	bp_dsn 3 - read an RFC 3464 delivery status notification
 * DESCRIPTION
 *	See bp_dsn.h. Field values are bounded by the BP_RCPT field
 *	sizes; a value too long is cut, never overflows.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "mem.h"
#include "buf.h"

#include "bp_report.h"
#include "bp_reason.h"
#include "bp_scrape.h"
#include "bp_dsn.h"

/* bp_dsn_trim - value without surrounding space */

static void bp_dsn_value(const char *v, BUF *out)
{
    size_t  n;

    while (*v == ' ' || *v == '\t')
	v++;
    buf_reset(out);
    buf_puts(out, v);
    n = buf_len(out);
    while (n > 0 && isspace((unsigned char) out->data[n - 1]))
	n--;
    buf_truncate(out, n);
}

/* bp_dsn_typed - split "type; text" */

static void bp_dsn_typed(const char *v, char *type, size_t tlen, BUF *text)
{
    const char *semi = strchr(v, ';');
    size_t  n;

    if (semi && (size_t) (semi - v) < 32) {
	n = (size_t) (semi - v);
	if (n >= tlen)
	    n = tlen - 1;
	memcpy(type, v, n);
	type[n] = 0;
	while (n > 0 && isspace((unsigned char) type[n - 1]))
	    type[--n] = 0;
	bp_dsn_value(semi + 1, text);
    } else {
	type[0] = 0;
	bp_dsn_value(v, text);
    }
}

/*
 * bp_dsn_is - field name equals name (a letter first), ASCII case
 * ignored; most fields differ in their first letter already.
 */
static int bp_dsn_is(const char *field, const char *name)
{
    return ((field[0] | 0x20) == (name[0] | 0x20) && strcasecmp(field, name) == 0);
}

/*
 * bp_dsn_field - apply one unfolded "Name: value" line; v and a are
 * scratch buffers of the caller.
 */
static void bp_dsn_field(BP_REPORT *rep, BP_RCPT **cur, int *pending_orig,
			         BUF *orig_addr, const char *line, BUF *v, BUF *a)
{
    const char *colon = strchr(line, ':');
    char    name[64];
    size_t  n;
    char    type[16];

    if (colon == 0 || (n = (size_t) (colon - line)) >= sizeof(name) || n == 0)
	return;
    memcpy(name, line, n);
    name[n] = 0;
    if (bp_dsn_is(name, "Final-Recipient") || bp_dsn_is(name, "Original-Recipient")) {
	int     final = (name[0] == 'F' || name[0] == 'f');

	bp_dsn_value(colon + 1, v);
	bp_dsn_typed(buf_str(v), type, sizeof(type), a);
	/* Quoted local parts ("a..b"@example) defeat the address scanner. */
	if (buf_str(a)[0] == '<' && buf_len(a) > 2 && a->data[a->len - 1] == '>') {
	    memmove(a->data, a->data + 1, a->len - 2);
	    buf_truncate(a, a->len - 2);
	}
	if (!(strchr(buf_str(a), '@') && !strpbrk(buf_str(a), " \t<>,"))
	    && !bp_scrape_addr(buf_str(a), a))
	    return;
	if (!final) {
	    /* Wait for Final-Recipient of the same group. */
	    if (*cur)
		return;				/* after Final-Recipient: ignore */
	    buf_reset(orig_addr);
	    buf_puts(orig_addr, buf_str(a));
	    *pending_orig = 1;
	    *cur = 0;
	    return;
	}
	*pending_orig = 0;
	*cur = bp_report_add(rep, buf_str(a));
	return;
    }
    if (*cur == 0 && *pending_orig) {
	/* A group with Original-Recipient only. */
	*cur = bp_report_add(rep, buf_str(orig_addr));
	*pending_orig = 0;
    }
    if (bp_dsn_is(name, "X-Postfix-Queue-ID") && *cur == 0) {
	bp_dsn_value(colon + 1, v);
	buf_reset(rep->orig_queueid);
	buf_puts(rep->orig_queueid, buf_str(v));
    }
    if (*cur == 0)
	return;
    /* The value is decoded only for the fields read here. */
    if (bp_dsn_is(name, "Action")) {
	bp_dsn_value(colon + 1, v);
	bp_strlcpy((*cur)->action, buf_str(v), sizeof((*cur)->action));
	for (n = 0; (*cur)->action[n]; n++)
	    (*cur)->action[n] = (char) tolower((unsigned char) (*cur)->action[n]);
    } else if (bp_dsn_is(name, "Status")) {
	char    st[16];

	bp_dsn_value(colon + 1, v);
	if (bp_status_find(buf_str(v), st, sizeof(st)))
	    bp_strlcpy((*cur)->status, st, sizeof((*cur)->status));
	else if (isdigit((unsigned char) buf_str(v)[0]) && buf_len(v) >= 5
		 && buf_str(v)[1] == '.')
	    bp_strlcpy((*cur)->status, buf_str(v), 6);
	else if (buf_len(v) >= 3 && (buf_str(v)[0] == '4' || buf_str(v)[0] == '5')
		 && isdigit((unsigned char) buf_str(v)[1]) && isdigit((unsigned char) buf_str(v)[2])) {
	    /* "Status: 553 Exceeded maximum inbound message size" */
	    memcpy((*cur)->reply, buf_str(v), 3);
	    (*cur)->reply[3] = 0;
	    if (buf_len((*cur)->diag) == 0)
		buf_puts((*cur)->diag, buf_str(v));
	}
    } else if (bp_dsn_is(name, "Remote-MTA")) {
	bp_dsn_value(colon + 1, v);
	bp_dsn_typed(buf_str(v), type, sizeof(type), a);
	buf_reset((*cur)->rhost);
	buf_puts((*cur)->rhost, buf_str(a));
    } else if (bp_dsn_is(name, "Diagnostic-Code")) {
	bp_dsn_value(colon + 1, v);
	bp_dsn_typed(buf_str(v), (*cur)->diagtype, sizeof((*cur)->diagtype), a);
	for (n = 0; (*cur)->diagtype[n]; n++)
	    (*cur)->diagtype[n] = (char) toupper((unsigned char) (*cur)->diagtype[n]);
	buf_reset((*cur)->diag);
	buf_puts((*cur)->diag, buf_str(a));
    }
}

/* bp_dsn_parse - all groups of a delivery-status body */

int     bp_dsn_parse(const char *body, BP_REPORT *rep)
{
    BUF    *line = buf_alloc(256), *orig_addr = buf_alloc(64);
    BUF    *v = buf_alloc(128), *a = buf_alloc(64);
    BP_RCPT *cur = 0;
    int     before = rep->nrcpt, pending_orig = 0;
    const char *s = body, *e;

    while (*s) {
	e = strchr(s, '\n');
	if (e == 0)
	    e = s + strlen(s);
	if (e == s || (e - s == 1 && *s == '\r')) {
	    /* Empty line: the group ends. */
	    if (buf_len(line))
		bp_dsn_field(rep, &cur, &pending_orig, orig_addr, buf_str(line), v, a);
	    buf_reset(line);
	    if (pending_orig && cur == 0)
		bp_dsn_field(rep, &cur, &pending_orig, orig_addr, "X-End: x", v, a);
	    cur = 0;
	    pending_orig = 0;
	} else if ((*s == ' ' || *s == '\t') && buf_len(line)) {
	    /* Folded continuation. */
	    while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	    buf_putc(line, ' ');
	    buf_append(line, s, (size_t) (e - s));
	} else {
	    if (buf_len(line))
		bp_dsn_field(rep, &cur, &pending_orig, orig_addr, buf_str(line), v, a);
	    buf_reset(line);
	    buf_append(line, s, (size_t) (e - s));
	    while (buf_len(line) && line->data[line->len - 1] == '\r')
		buf_truncate(line, line->len - 1);
	}
	s = *e ? e + 1 : e;
    }
    if (buf_len(line))
	bp_dsn_field(rep, &cur, &pending_orig, orig_addr, buf_str(line), v, a);
    if (pending_orig && cur == 0)
	bp_dsn_field(rep, &cur, &pending_orig, orig_addr, "X-End: x", v, a);
    buf_free(line);
    buf_free(orig_addr);
    buf_free(v);
    buf_free(a);
    return (rep->nrcpt - before);
}
