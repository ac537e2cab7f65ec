/*
 * NAME
 *	pol_request 3 - parse Postfix SMTP access policy delegation requests
 * DESCRIPTION
 *	See pol_request.h. Two passes over the received bytes: the first
 *	only finds the empty line that ends the request and enforces the
 *	size limits (so a client that never sends a newline is caught after
 *	8 KiB, not after it filled our memory); the second cuts the lines
 *	in place and checks them. No copy, no allocation: this runs for
 *	every RCPT that Postfix sees.
 */

/* System library. */
#include <stddef.h>
#include <string.h>

/* Project library. */
#include "buf.h"

/* Application-specific. */
#include "pol_request.h"

typedef struct POL_KNOWN {
    const char *name;
    size_t  len;
    size_t  offset;
} POL_KNOWN;

#define KNOWN(f) { #f, sizeof(#f) - 1, offsetof(POL_REQUEST, f) }

static const POL_KNOWN pol_known[] = {
    KNOWN(request), KNOWN(protocol_state), KNOWN(protocol_name),
    KNOWN(sender), KNOWN(recipient), KNOWN(queue_id), KNOWN(instance),
    KNOWN(client_address), KNOWN(client_name), KNOWN(helo_name),
    KNOWN(sasl_username), KNOWN(size),
    {0, 0, 0},
};

/* pol_name_ok - attribute names: [a-z0-9_]+ */

static int pol_name_ok(const char *s, size_t len)
{
    if (len == 0)
	return (0);
    for (size_t i = 0; i < len; i++) {
	char    c = s[i];

	if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
	    return (0);
    }
    return (1);
}

/* pol_request_get - value of any attribute, NULL if absent */

const char *pol_request_get(const POL_REQUEST *req, const char *name)
{
    for (int i = req->nattr - 1; i >= 0; i--)
	if (strcmp(req->attr[i].name, name) == 0)
	    return (req->attr[i].value);
    return (0);
}

/* pol_request_parse - one complete request, in place */

int     pol_request_parse(POL_REQUEST *req, char *data, size_t len,
			          size_t *used, BUF *why)
{
    size_t  pos = 0;
    size_t  end = 0;
    int     lines = 0;
    int     found = 0;

    /*
     * Pass 1: find the end of the request, enforce the limits.
     */
    while (pos < len) {
	size_t  avail = len - pos;
	size_t  scan = avail < POL_REQ_LINE_MAX + 2 ? avail : POL_REQ_LINE_MAX + 2;
	char   *nl = memchr(data + pos, '\n', scan);
	size_t  llen;

	if (nl == 0) {
	    if (avail > POL_REQ_LINE_MAX + 1) {
		buf_sprintf(why, "line %d: attribute line longer than %d bytes",
			    lines + 1, POL_REQ_LINE_MAX);
		return (-1);
	    }
	    return (0);
	}
	llen = (size_t) (nl - (data + pos));
	if (llen > 0 && data[pos + llen - 1] == '\r')
	    llen--;
	if (llen > POL_REQ_LINE_MAX) {
	    buf_sprintf(why, "line %d: attribute line longer than %d bytes",
			lines + 1, POL_REQ_LINE_MAX);
	    return (-1);
	}
	lines++;
	if (llen == 0) {
	    end = (size_t) (nl - data) + 1;
	    found = 1;
	    break;
	}
	if (lines > POL_REQ_ATTR_MAX) {
	    buf_sprintf(why, "line %d: more than %d attributes",
			lines, POL_REQ_ATTR_MAX);
	    return (-1);
	}
	pos = (size_t) (nl - data) + 1;
    }
    if (!found)
	return (0);

    /*
     * Pass 2: cut and check each line.
     */
    memset(req, 0, sizeof(*req));
    pos = 0;
    lines = 0;
    while (pos < end) {
	char   *line = data + pos;
	char   *nl = memchr(line, '\n', end - pos);
	size_t  llen = (size_t) (nl - line);
	char   *eq;

	pos += llen + 1;
	lines++;
	if (llen > 0 && line[llen - 1] == '\r')
	    llen--;
	if (llen == 0)
	    break;
	line[llen] = 0;
	if (memchr(line, 0, llen) != 0) {
	    buf_sprintf(why, "line %d: NUL byte in attribute line", lines);
	    return (-1);
	}
	if ((eq = memchr(line, '=', llen)) == 0) {
	    buf_sprintf(why, "line %d: missing '=' in attribute line", lines);
	    return (-1);
	}
	if (!pol_name_ok(line, (size_t) (eq - line))) {
	    buf_sprintf(why, "line %d: bad attribute name", lines);
	    return (-1);
	}
	*eq = 0;
	req->attr[req->nattr].name = line;
	req->attr[req->nattr].value = eq + 1;
	req->nattr++;
    }
    /* Known attributes, last one wins. Length first: no strcmp chain. */
    for (int i = 0; i < req->nattr; i++) {
	const char *n = req->attr[i].name;
	size_t  nlen = strlen(n);

	for (const POL_KNOWN *k = pol_known; k->name; k++) {
	    if (k->len == nlen && memcmp(k->name, n, nlen) == 0) {
		*(const char **) ((char *) req + k->offset) = req->attr[i].value;
		break;
	    }
	}
    }
    if (req->request == 0) {
	buf_sprintf(why, "line %d: request without a \"request\" attribute",
		    lines);
	return (-1);
    }
    if (strcmp(req->request, "smtpd_access_policy") != 0) {
	buf_sprintf(why, "unsupported request type \"%.64s\"", req->request);
	return (-1);
    }
#define POL_EMPTY(field) if (req->field == 0) req->field = ""
    POL_EMPTY(protocol_state);
    POL_EMPTY(protocol_name);
    POL_EMPTY(sender);
    POL_EMPTY(recipient);
    POL_EMPTY(queue_id);
    POL_EMPTY(instance);
    POL_EMPTY(client_address);
    POL_EMPTY(client_name);
    POL_EMPTY(helo_name);
    POL_EMPTY(sasl_username);
    POL_EMPTY(size);
#undef POL_EMPTY
    *used = end;
    return (1);
}
