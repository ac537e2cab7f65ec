#ifndef PF_BP_MIMESCAN_H
#define PF_BP_MIMESCAN_H

/*
 * NAME
 *	bp_mimescan 3 - the MIME structure of a plain report, by line scan
 * SYNOPSIS
 *	#include "bp_mimescan.h"
 *	int bp_mimescan(const char *data, const char *hdr_end, size_t len,
 *			BP_MIME *m);
 *	extern int bp_mimescan_enabled, bp_mimescan_count;
 *	int bp_mimescan_cte(const char *value, const char *end);
 * DESCRIPTION
 *	bp_mimescan() sorts the parts of one message (data, len bytes; its
 *	top-level header block ends at hdr_end, the empty line) into m
 *	exactly as bp_mime_parse() does with a GMime tree, for messages
 *	whose structure leaves no doubt: plain header blocks, simple
 *	Content-Type parameters, boundary lines that are boundary lines
 *	and nothing else. It fills m->content_type, m->report_type,
 *	m->text, m->dsn, m->arf and m->orig; not m->headers.
 *
 *	GMime still decodes base64 and quoted-printable (its stateless
 *	g_mime_encoding_*() functions) and GLib converts charsets; what
 *	this saves is the tree: GMime builds and frees a dozen GObjects
 *	per part, half the classifier's time.
 *
 *	bp_mimescan_enabled (default 1) = 0 leaves every message to GMime:
 *	the differential test and the fuzz target compare both ways.
 *	bp_mimescan_count counts the messages the scan took.
 *
 *	bp_mimescan_cte() reads a Content-Transfer-Encoding value (blanks
 *	around it ignored, no line end): 0 for 7bit, 8bit and binary, 1
 *	base64, 2 quoted-printable, -1 for any other text, which GMime
 *	reads its own way (an unknown name counts as 7bit there).
 * DIAGNOSTICS
 *	bp_mimescan() returns 1 when m is filled, 0 when anything is
 *	unusual (a header field GMime reads its own way, an RFC 2231 or
 *	commented parameter, a line that starts like a boundary but is
 *	not one, nesting deeper than 8, ...): then m is untouched and the
 *	caller gives the message to GMime.
 */
#include <stddef.h>

#include "bp_mime.h"

extern int bp_mimescan_enabled;
extern int bp_mimescan_count;
int     bp_mimescan(const char *, const char *, size_t, BP_MIME *);
int     bp_mimescan_cte(const char *, const char *);

#endif
