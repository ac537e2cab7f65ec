#ifndef PF_POL_REQUEST_H
#define PF_POL_REQUEST_H

/*
 * NAME
 *	pol_request 3 - parse Postfix SMTP access policy delegation requests
 * SYNOPSIS
 *	#include "pol_request.h"
 *	int pol_request_parse(POL_REQUEST *req, char *data, size_t len,
 *			      size_t *used, BUF *why);
 *	const char *pol_request_get(const POL_REQUEST *req, const char *name);
 * DESCRIPTION
 *	A request (SMTPD_POLICY_README) is a list of "name=value" lines
 *	ended by an empty line. pol_request_parse() looks at the bytes
 *	data[0..len) received on one connection. When they hold a whole
 *	request it parses it IN PLACE (the lines are cut with NUL bytes;
 *	req points into data), sets *used to the bytes consumed and
 *	returns 1. When the request is not complete yet it returns 0 and
 *	changes nothing: the caller reads more and calls again with the
 *	same start. Every attribute name that Postfix 3.7 sends is
 *	accepted, unknown names are kept (pol_request_get finds them) but
 *	otherwise ignored, the last of repeated names wins.
 *
 *	The fields below point at the values of the attributes the rules
 *	use ("" when absent). A trailing CR of a line is removed (a
 *	hand-typed request from telnet).
 * DIAGNOSTICS
 *	-1 = malformed, with "line N: reason" in why: a line longer than
 *	POL_REQ_LINE_MAX (8 KiB, also detected before the line ends), more
 *	than POL_REQ_ATTR_MAX (100) attributes, a line without "=", an
 *	empty or non-[a-z0-9_] name, a NUL byte, no "request" attribute or
 *	one other than smtpd_access_policy. The connection must then be
 *	closed: the stream can no longer be trusted to be in step.
 */
#include <stddef.h>

#include "buf.h"

#define POL_REQ_LINE_MAX	8192
#define POL_REQ_ATTR_MAX	100

typedef struct POL_ATTR {
    const char *name;
    const char *value;
} POL_ATTR;

typedef struct POL_REQUEST {
    POL_ATTR attr[POL_REQ_ATTR_MAX];
    int     nattr;
    const char *request;		/* smtpd_access_policy */
    const char *protocol_state;		/* CONNECT, HELO, MAIL, RCPT, DATA, ... */
    const char *protocol_name;
    const char *sender;
    const char *recipient;
    const char *queue_id;
    const char *instance;
    const char *client_address;
    const char *client_name;
    const char *helo_name;
    const char *sasl_username;
    const char *size;
} POL_REQUEST;

int     pol_request_parse(POL_REQUEST *, char *, size_t, size_t *, BUF *);
const char *pol_request_get(const POL_REQUEST *, const char *);

#endif
