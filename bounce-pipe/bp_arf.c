/*
 * NAME
 *	bp_arf 3 - read an RFC 5965 abuse feedback report
 * DESCRIPTION
 *	See bp_arf.h.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "buf.h"

#include "bp_report.h"
#include "bp_mime.h"
#include "bp_scrape.h"
#include "bp_arf.h"

/* bp_arf_add - one complaining recipient */

static int bp_arf_add(BP_REPORT *rep, const char *value)
{
    BUF    *a = buf_alloc(64);
    BP_RCPT *r;
    int     n = 0;

    if (bp_scrape_addr(value, a) && bp_report_find(rep, buf_str(a)) == 0
	&& (r = bp_report_add(rep, buf_str(a))) != 0) {
	bp_strlcpy(r->reason, "feedback", sizeof(r->reason));
	bp_strlcpy(r->action, "failed", sizeof(r->action));
	buf_puts(r->diag, rep->feedback_type);
	n = 1;
    }
    buf_free(a);
    return (n);
}

/* bp_arf_parse - complaint report */

int     bp_arf_parse(const char *report, const BUF *orig, BP_REPORT *rep)
{
    BUF    *hdr = buf_alloc(strlen(report) + 1), *v = buf_alloc(64);
    const char *s, *e;
    int     n = 0;

    /* The report is a header block: reuse the header lookup. */
    for (s = report; *s; s = *e ? e + 1 : e) {
	e = strchr(s, '\n');
	if (e == 0)
	    e = s + strlen(s);
	if ((*s == ' ' || *s == '\t') && buf_len(hdr)) {
	    buf_truncate(hdr, buf_len(hdr) - 1);
	    buf_putc(hdr, ' ');
	    while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	}
	buf_append(hdr, s, (size_t) (e - s));
	while (buf_len(hdr) && hdr->data[hdr->len - 1] == '\r')
	    buf_truncate(hdr, hdr->len - 1);
	buf_putc(hdr, '\n');
    }
    if (bp_mime_header(hdr, "Feedback-Type", v)) {
	size_t  i;

	bp_strlcpy(rep->feedback_type, buf_str(v), sizeof(rep->feedback_type));
	for (i = 0; rep->feedback_type[i]; i++)
	    rep->feedback_type[i] = (char) tolower((unsigned char) rep->feedback_type[i]);
    } else
	bp_strlcpy(rep->feedback_type, "abuse", sizeof(rep->feedback_type));
    for (s = buf_str(hdr); *s; s = *e ? e + 1 : e) {
	e = strchr(s, '\n');
	if (e == 0)
	    e = s + strlen(s);
	if (strncasecmp(s, "Original-Rcpt-To:", 17) == 0)
	    n += bp_arf_add(rep, s + 17);
    }
    if (n == 0 && bp_mime_header(hdr, "Removal-Recipient", v))
	n += bp_arf_add(rep, buf_str(v));
    if (n == 0 && orig && bp_mime_header(orig, "To", v))
	n += bp_arf_add(rep, buf_str(v));
    buf_free(hdr);
    buf_free(v);
    return (n);
}
