/*
 * NAME
 *	bp_classify 3 - classify one returned message, per recipient
 * DESCRIPTION
 *	See bp_classify.h. The scraper is only used on messages that look
 *	like bounces: a person's reply that quotes addresses must never
 *	turn into "bounced" recipients.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mem.h"
#include "log.h"
#include "buf.h"

#include "bp_mime.h"
#include "bp_report.h"
#include "bp_dsn.h"
#include "bp_arf.h"
#include "bp_scrape.h"
#include "bp_reason.h"
#include "bp_engine.h"
#include "bp_classify.h"

/* bp_rx_search - one-shot caseless regex test with a cached pattern */

static int bp_rx_search(pcre2_code **re, const char *pat, const char *text)
{
    pcre2_match_data *md;
    int     rc;

    if (*re == 0) {
	int     err;
	PCRE2_SIZE off;

	*re = pcre2_compile((PCRE2_SPTR) pat, PCRE2_ZERO_TERMINATED,
			    PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
			    &err, &off, NULL);
	if (*re == 0)
	    log_panic("bp_classify: bad built-in pattern at %zu", (size_t) off);
    }
    md = pcre2_match_data_create(1, NULL);
    rc = pcre2_match(*re, (PCRE2_SPTR) text, strlen(text), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return (rc >= 0);
}

/* bp_from_daemon - From: a mail system, not a person */

static int bp_from_daemon(BP_MIME *m)
{
    static pcre2_code *from_re;
    BUF    *v = buf_alloc(128);
    int     yes;

    yes = (bp_mime_header(m->headers, "From", v)
	   && bp_rx_search(&from_re, "mailer-daemon|post_?master|mail ?delivery|"
			   "mailer_daemon|maildaemon|^<>|\\bmdaemon|daemon@|bounce",
			   buf_str(v)));
    buf_free(v);
    return (yes);
}

/* bp_looks_bounce - is the message a delivery report at all? */

static int bp_looks_bounce(BP_MIME *m)
{
    static pcre2_code *subj_re;
    BUF    *v = buf_alloc(128);
    int     yes = 0;

    if (bp_mime_header(m->headers, "X-Failed-Recipients", v))
	yes = 1;
    else if (bp_from_daemon(m))
	yes = 1;
    else if (bp_mime_header(m->headers, "Subject", v)
	     && bp_rx_search(&subj_re, "undeliver|deliver(?:y|ed)|returned|failure|failed|"
			     "bounce|non-?deliver|not delivered|rejected|error|"
			     "notification|warning|delay|nicht zustellbar|"
			     "반송|전송 ?실패|발송 ?실패|배달 ?실패|전달 ?실패|"
			     "配信|エラー|不達|返信|retour|退信|系统退信",
			     buf_str(v)))
	yes = 1;
    else if (bp_mime_header(m->headers, "Return-Path", v) && strcmp(buf_str(v), "<>") == 0)
	yes = 1;
    else if (*m->report_type)
	yes = 1;
    buf_free(v);
    return (yes);
}

/* bp_autoreply - RFC 3834 and the usual vacation markers */

static int bp_autoreply(BP_MIME *m)
{
    static pcre2_code *subj_re;
    BUF    *v = buf_alloc(128);
    int     yes = 0;

    if (bp_mime_header(m->headers, "Auto-Submitted", v)
	&& strncasecmp(buf_str(v), "auto-replied", 12) == 0)
	yes = 1;
    else if (bp_mime_header(m->headers, "X-Autoreply", v)
	     || bp_mime_header(m->headers, "X-Autorespond", v)
	     || (bp_mime_header(m->headers, "Precedence", v)
		 && strcasecmp(buf_str(v), "auto_reply") == 0))
	yes = 1;
    else if (bp_mime_header(m->headers, "Subject", v)
	     && bp_rx_search(&subj_re, "^(?:auto(?:matic)? ?(?:reply|response|antwort)|"
			     "out of (?:the )?office|away from|on vacation|vacation|"
			     "abwesenheitsnotiz|r[ée]ponse automatique|自動応答|자동 ?응답|부재중)",
			     buf_str(v)))
	yes = 1;
    else if (bp_mime_header(m->headers, "X-Auto-Response-Suppress", v)
	     && bp_mime_header(m->headers, "Subject", v)
	     && strncasecmp(buf_str(v), "Automatic reply", 15) == 0)
	yes = 1;
    buf_free(v);
    return (yes);
}

/* bp_orig_facts - Message-ID and sender of the returned message */

static void bp_orig_facts(BP_MIME *m, BP_REPORT *rep)
{
    BUF    *v = buf_alloc(128);

    if (bp_mime_header(m->orig, "Message-ID", v)) {
	char   *s = buf_str(v), *e;

	while (*s == '<' || *s == ' ')
	    s++;
	if ((e = strchr(s, '>')) != 0)
	    *e = 0;
	buf_puts(rep->orig_msgid, s);
    }
    if (bp_mime_header(m->orig, "From", v))
	bp_scrape_addr(buf_str(v), rep->orig_from);
    buf_free(v);
}

/* bp_complete - fill a recipient's facts from the text, then classify */

static void bp_complete(BP_MIME *m, BP_REPORT *rep, BP_RCPT *r, const char *const *all)
{
    BUF    *seg = buf_alloc(512);
    int     found;

    if (rep->nrcpt == 1) {
	/* One recipient: the whole report is about it. */
	buf_puts(seg, buf_str(m->text));
	found = bp_strcasestr(buf_str(m->text), buf_str(r->addr)) != 0;
    } else
	found = bp_scrape_diag(buf_str(m->text), buf_str(r->addr), all, seg);
    if (buf_len(r->diag) == 0) {
	buf_puts(r->diag, buf_str(seg));
    } else if (found && r->command[0] == 0) {
	/* The DSN rarely names the command; the text often does. */
	BP_RCPT tmp;

	memset(&tmp, 0, sizeof(tmp));
	bp_scrape_facts(buf_str(seg), &tmp);
	bp_strlcpy(r->command, tmp.command, sizeof(r->command));
    }
    bp_scrape_facts(buf_str(r->diag), r);
    bp_engine_facts(m->headers, buf_str(m->dsn), r);
    bp_reason_classify(r);
    buf_free(seg);
}

/* bp_classify - the whole procedure */

BP_REPORT *bp_classify(const char *data, size_t len, BUF *why)
{
    BP_MIME *m;
    BP_REPORT *rep;
    BUF    *v;
    const char **all;
    int     i;

    if ((m = bp_mime_parse(data, len)) == 0) {
	buf_sprintf(why, "not a parseable RFC 5322 message");
	return (0);
    }
    rep = bp_report_alloc();
    v = buf_alloc(128);
    bp_orig_facts(m, rep);

    if (buf_len(m->arf) && bp_arf_parse(buf_str(m->arf), m->orig, rep) > 0) {
	rep->kind = BP_KIND_ARF;
	for (i = 0; i < rep->nrcpt; i++)
	    rep->rcpt[i].hard = 0;
	goto done;
    }
    if (buf_len(m->dsn))
	bp_dsn_parse(buf_str(m->dsn), rep);
    if (rep->nrcpt == 0 && bp_autoreply(m) && !bp_from_daemon(m)
	&& !bp_mime_header(m->headers, "X-Failed-Recipients", v)) {
	BP_RCPT *r;

	if (bp_mime_header(m->headers, "From", v) && bp_scrape_addr(buf_str(v), v)
	    && (r = bp_report_add(rep, buf_str(v))) != 0) {
	    bp_strlcpy(r->reason, "vacation", sizeof(r->reason));
	    rep->kind = BP_KIND_AUTOREPLY;
	}
	goto done;
    }
    if (rep->nrcpt == 0 && bp_looks_bounce(m)) {
	const char *excl[6];
	BUF    *ex[4];
	int     n = 0;

	for (i = 0; i < 4; i++)
	    ex[i] = buf_alloc(64);
	if (bp_mime_header(m->headers, "From", v))
	    bp_scrape_addr(buf_str(v), ex[0]);
	if (bp_mime_header(m->headers, "To", v))
	    bp_scrape_addr(buf_str(v), ex[1]);
	if (bp_mime_header(m->headers, "Reply-To", v))
	    bp_scrape_addr(buf_str(v), ex[2]);
	if (bp_mime_header(m->orig, "Return-Path", v))
	    bp_scrape_addr(buf_str(v), ex[3]);
	for (i = 0; i < 4; i++)
	    excl[n++] = buf_str(ex[i]);
	excl[n++] = buf_str(rep->orig_from);
	excl[n] = 0;
	if (bp_mime_header(m->headers, "X-Failed-Recipients", v)) {
	    char   *s = buf_str(v), *t;
	    BUF    *a = buf_alloc(64);

	    for (t = strtok(s, ", "); t; t = strtok(0, ", "))
		if (bp_scrape_addr(t, a) && bp_report_find(rep, buf_str(a)) == 0)
		    bp_report_add(rep, buf_str(a));
	    buf_free(a);
	}
	if (rep->nrcpt == 0)
	    bp_scrape_rcpts(buf_str(m->text), excl, rep);
	if (rep->nrcpt == 0 && (bp_mime_header(m->orig, "To", v)
				|| bp_mime_header(m->headers, "X-Original-To", v))) {
	    BUF    *a = buf_alloc(64);

	    if (bp_scrape_addr(buf_str(v), a))
		bp_report_add(rep, buf_str(a));
	    buf_free(a);
	}
	for (i = 0; i < 4; i++)
	    buf_free(ex[i]);
    }
    if (rep->nrcpt > 0 && rep->kind == BP_KIND_NONE)
	rep->kind = BP_KIND_DSN;
    all = xcalloc(rep->nrcpt + 1, sizeof(*all));
    for (i = 0; i < rep->nrcpt; i++)
	all[i] = buf_str(rep->rcpt[i].addr);
    for (i = 0; i < rep->nrcpt; i++)
	bp_complete(m, rep, rep->rcpt + i, all);
    free(all);
done:
    buf_free(v);
    bp_mime_free(m);
    return (rep);
}
