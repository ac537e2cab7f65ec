/*
 * NAME
 *	bp_engine 3 - facts only the producing MTA's format tells
 * SYNOPSIS
 *	#include "bp_engine.h"
 *	void bp_engine_facts(const BUF *headers, const char *dsn,
 *			BP_RCPT *r);
 * DESCRIPTION
 *	Some bounce formats say more than their diagnostic text: the
 *	MTA that wrote them always rejects at RCPT, or maps its own error
 *	codes to a reason. Sisimai's MTA modules (lib/Sisimai/Lhost/
 *	*.pm, BSD 2-Clause, (C) azumakuniyuki) decide those cases; this
 *	module does the same for the formats whose decision differs from
 *	the generic rules of bp_reason.
 *
 *	bp_engine_facts() recognizes the producing MTA from the header
 *	fields of the report (headers, unfolded), its delivery-status
 *	part (dsn, may be NULL) or from a text that only
 *	that MTA writes, and then may set r->command (the SMTP command
 *	the reply answered) when the diagnostic shows it, and r->reason
 *	(a decided reason, kept by bp_reason_classify()) when the MTA's
 *	own error table names one.
 *
 *	The generic command rule: a reply code followed by the recipient
 *	in angle brackets and a colon ("550 <a@b>: User unknown",
 *	"550: <a@b>: ...") is an answer to RCPT TO.
 * DIAGNOSTICS
 *	None; a format not recognized changes nothing.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <stdlib.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "log.h"
#include "buf.h"

#include "bp_mime.h"
#include "bp_report.h"
#include "bp_reason.h"
#include "bp_rhost.h"
#include "bp_engine.h"

typedef struct BP_ENGINE_RX {
    const char *pat;			/* PCRE2, caseless */
    pcre2_code *re;			/* compiled once */
    const char *lit;			/* in every match (caseless), or NULL */
} BP_ENGINE_RX;

static pcre2_match_data *bp_engine_md;

/*
 * bp_engine_rx - search text with a pattern compiled on first use; a
 * text without the pattern's literal is not searched.
 */
static int bp_engine_rx(BP_ENGINE_RX *rx, const char *text, char *cap, size_t len)
{
    int     rc;

    if (rx->lit && bp_strcasestr(text, rx->lit) == 0)
	return (0);
    if (rx->re == 0) {
	int     err;
	PCRE2_SIZE off;

	rx->re = pcre2_compile((PCRE2_SPTR) rx->pat, PCRE2_ZERO_TERMINATED,
			       PCRE2_CASELESS | PCRE2_MULTILINE, &err, &off, NULL);
	if (rx->re == 0)
	    log_panic("bp_engine: bad built-in pattern at %zu: %s",
		      (size_t) off, rx->pat);
	if (bp_use_jit)
	    pcre2_jit_compile(rx->re, PCRE2_JIT_COMPLETE);
    }
    if (bp_engine_md == 0)
	bp_engine_md = pcre2_match_data_create(4, NULL);
    rc = pcre2_match(rx->re, (PCRE2_SPTR) text, strlen(text), 0, 0,
		     bp_engine_md, NULL);
    if (rc > 1 && cap) {
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(bp_engine_md);
	size_t  n = ov[3] - ov[2];

	if (n >= len)
	    n = len - 1;
	memcpy(cap, text + ov[2], n);
	cap[n] = 0;
    }
    return (rc >= 0);
}

/* bp_engine_set - a reason the MTA's or provider's own table decides */

static void bp_engine_set(BP_RCPT *r, const char *reason)
{
    bp_strlcpy(r->reason, reason, sizeof(r->reason));
    r->decided = 1;
}

/* bp_engine_hdr - header field contains a substring (case-insensitive) */

static int bp_engine_hdr(const BUF *headers, const char *name, const char *sub, BUF *v)
{
    return (bp_mime_header(headers, name, v)
	    && (sub == 0 || bp_strcasestr(buf_str(v), sub) != 0));
}

/*
 * bp_engine_lcfrom - the From: field, ASCII lowercase, into out; NULL
 * when there is none. The From tests below share one lookup.
 */
static const char *bp_engine_lcfrom(const BUF *headers, BUF *out)
{
    if (!bp_mime_header(headers, "From", out))
	return (0);
    bp_ascii_lower(buf_str(out));
    return (buf_str(out));
}

/* bp_engine_from - lcfrom (from bp_engine_lcfrom()) contains lcsub */

static int bp_engine_from(const char *lcfrom, const char *lcsub)
{
    return (lcfrom != 0 && strstr(lcfrom, lcsub) != 0);
}

/* Exchange 2000/2003 Internet Mail Connector error codes. */

static const struct {
    const char *code;
    const char *reason;
}       bp_exchange_codes[] = {
    {"(000C05A6)", "userunknown"},	/* Unknown Recipient */
    {"(000C0595)", "filtered"},		/* Ambiguous Recipient */
    {"(00010256)", "systemerror"},	/* Too many recipients */
    {"(000D06B5)", "systemerror"},	/* No proxy for recipient */
    {"(00120270)", "networkerror"},	/* Too Many Hops */
    {"(00050311)", "contenterror"},	/* Conversion to Internet format failed */
    {"(000502CC)", "contenterror"},
    {"(000B0981)", "securityerror"},	/* 502 Server does not support AUTH */
    {0, 0},
};

/*
 * bp_engine_exchange - the reason of an Exchange 2000/2003 error code
 * in diag, or NULL. Every code starts "(0": a diagnostic without that
 * has none of them.
 */
static const char *bp_engine_exchange(const char *diag)
{
    int     i;

    if (strstr(diag, "(0") == 0)
	return (0);
    for (i = 0; bp_exchange_codes[i].code; i++)
	if (strstr(diag, bp_exchange_codes[i].code))
	    return (bp_exchange_codes[i].reason);
    return (0);
}

/* PowerMTA bounce categories. */

static const char *const bp_pmta_cat[][2] = {
    {"bad-domain", "hostunknown"}, {"bad-mailbox", "userunknown"},
    {"inactive-mailbox", "suspend"}, {"message-expired", "expired"},
    {"no-answer-from-host", "networkerror"}, {"policy-related", "policyviolation"},
    {"quota-issues", "mailboxfull"}, {"routing-errors", "systemerror"},
    {"spam-related", "spamdetected"}, {0, 0},
};

/* bp_engine_pmta - the category in the DSN block that names addr */

static const char *bp_engine_pmta(const char *dsn, const char *addr)
{
    const char *p, *end, *c;
    int     i;

    if ((c = bp_strcasestr(dsn, "X-PowerMTA-BounceCategory:")) == 0)
	return (0);
    if ((p = bp_strcasestr(dsn, addr)) == 0)
	return (0);
    if ((end = bp_strcasestr(p, "Final-Recipient:")) == 0)
	end = p + strlen(p);
    if ((c = bp_strcasestr(p, "X-PowerMTA-BounceCategory:")) == 0 || c > end)
	return (0);
    c += sizeof("X-PowerMTA-BounceCategory:") - 1;
    while (*c == ' ' || *c == '\t')
	c++;
    for (i = 0; bp_pmta_cat[i][0]; i++)
	if (strncasecmp(c, bp_pmta_cat[i][0], strlen(bp_pmta_cat[i][0])) == 0)
	    return (bp_pmta_cat[i][1]);
    return (0);
}

/* bp_engine_facts - see above */

void    bp_engine_facts(const BUF *headers, const char *dsn, BP_RCPT *r)
{
    static BP_ENGINE_RX rcpt_colon = {
	"\\b[45]\\d\\d(?:[ -][45][.]\\d[.]\\d+)?:?[ ]<[^<>\\s]+@[^<>\\s]+>:", 0, ">:"};
    static BP_ENGINE_RX o365_rcpt = {	/* Office 365 */
	"unknown recipient or mailbox unavailable ->.+<?[^ ]+@[^ ]+[.][a-z]+>?", 0,
    "unknown recipient or mailbox unavailable ->"};
    static BP_ENGINE_RX x3_cmd = {	/* "SMTP:RCPT host 192.0.2.8: 553 ..." */
	"^\\s*SMTP:([A-Z]{4})\\s", 0, "smtp:"};
    static BP_ENGINE_RX mcafee_uu = {	/* McAfee Email Gateway */
	"[ ]user[ ][(].+@.+[)][ ]unknown[.][ ]|550[ ]unknown[ ]user[ ][^ ]+@[^ ]+"
	"|550[ ]<.+?@.+?>[.]+[ ]user[ ]not[ ]exist|no[ ]such[ ]user", 0, 0};
    static BP_ENGINE_RX mlabs_uu = {	/* Symantec MessageLabs */
	"542 .+ rejected|no such user", 0, 0};
    static BP_ENGINE_RX mlabs_sec = {
	"please turn on smtp authentication in your mail client", 0, 0};
    static BP_ENGINE_RX vtext_uu = {	/* Verizon vtext.com */
	"550 - requested action not taken: no such user here", 0, 0};
    static BP_ENGINE_RX vzwpix_uu = {	/* Verizon vzwpix.com */
	"no valid recipients for this mm", 0, 0};
    static BP_ENGINE_RX outlook_uu = {	/* Hotmail / Outlook.com */
	"requested action not taken: mailbox unavailable", 0,
    "requested action not taken: mailbox unavailable"};
    static BUF *v, *fromv;		/* scratch */
    const char *diag = buf_str(r->diag), *from;
    char    cmd[8];
    const char *rr, *p;
    int     i, n;

    if (r->reason[0] && strcmp(r->reason, "onhold") != 0
	&& strcmp(r->reason, "undefined") != 0)
	return;
    if (v == 0) {
	v = buf_alloc(128);
	fromv = buf_alloc(128);
    }

    /* A provider's own error code comes first. */
    if ((rr = bp_rhost_reason(r)) != 0) {
	bp_engine_set(r, rr);
	return;
    }
    /* Exchange 2000/2003: its own error code decides. */
    if ((rr = bp_engine_exchange(diag)) != 0) {
	bp_engine_set(r, rr);
	return;
    }
    /* Office 365: 5.1.10 RESOLVER.ADR.RecipientNotFound (or RecipNotFound). */
    if (strcmp(r->status, "5.1.10") == 0 && bp_strcasestr(diag, "resolver.adr.recip")) {
	bp_engine_set(r, "userunknown");
	return;
    }
    /* AOL: X-AOL-IP; its own two texts. */
    if (bp_mime_header(headers, "X-AOL-IP", v)) {
	if (bp_strcasestr(diag, "host or domain name not found")) {
	    bp_engine_set(r, "hostunknown");
	    return;
	}
	if (bp_strcasestr(diag, "type=mx: malformed or unexpected name server reply")) {
	    bp_engine_set(r, "notaccept");
	    return;
	}
    }
    /* Amazon SES receiving: X-SES-Outgoing; its rule-set templates. */
    if (bp_mime_header(headers, "X-SES-Outgoing", v)) {
	static const char *const ses[][2] = {
	    {"filtered", "mailbox does not exist"}, {"mesgtoobig", "message too large"},
	    {"mailboxfull", "mailbox full"}, {"contenterror", "message content rejected"},
	    {0, 0},
	};

	for (i = 0; ses[i][0]; i++)
	    if (bp_strcasestr(diag, ses[i][1])) {
		bp_engine_set(r, ses[i][0]);
		return;
	    }
    }
    /* PowerMTA: X-PowerMTA-BounceCategory of this recipient's DSN block. */
    if (dsn && *dsn && (rr = bp_engine_pmta(dsn, buf_str(r->addr))) != 0) {
	bp_engine_set(r, rr);
	return;
    }
    /* Gmail: "(state N)." of "Google tried to deliver your message". */
    if (bp_strcasestr(diag, "google tried to deliver your message")
	&& (p = strstr(diag, "(state ")) != 0) {
	static const struct {
	    int     state;
	    const char *cmd;
	    const char *reason;
	}       gstate[] = {
	    {6, "MAIL", "systemerror"}, {8, "AUTH", "systemerror"},
	    {9, "AUTH", "systemerror"}, {12, "AUTH", "norelaying"},
	    {13, "EHLO", "blocked"}, {14, "RCPT", "userunknown"},
	    {15, "DATA", "filtered"}, {17, "DATA", "filtered"},
	    {18, "DATA", "filtered"}, {0, 0, 0},
	};
	int     st = atoi(p + 7);
	char    code[16];
	const char *sn;

	for (i = 0; gstate[i].state; i++)
	    if (gstate[i].state == st) {
		bp_strlcpy(r->command, gstate[i].cmd, sizeof(r->command));
		/* A D.S.N code in the reply itself names the reason better. */
		if (bp_status_find(diag, code, sizeof(code)) && strlen(code) == 5
		    && code[2] >= '1' && code[2] <= '7' && code[4] >= '1'
		    && *(sn = bp_status_name(code)))
		    bp_engine_set(r, sn);
		else
		    bp_engine_set(r, gstate[i].reason);
		return;
	    }
    }
    /* Zoho Mail: "Host not reachable" after its retries, X-ZohoMail. */
    if (bp_strcasestr(diag, "host not reachable") && bp_mime_header(headers, "X-ZohoMail", v)) {
	bp_engine_set(r, "expired");
	return;
    }
    /* McAfee: X-NAI-Header: Modified by McAfee ..., Subject: Delivery Status */
    if (bp_engine_hdr(headers, "X-NAI-Header", "Modified by McAfee", v)
	&& bp_engine_rx(&mcafee_uu, diag, 0, 0)) {
	bp_engine_set(r, "userunknown");
	return;
    }
    /* The tests on From: below, one lookup. */
    from = bp_engine_lcfrom(headers, fromv);
    /* MessageLabs: From MAILER-DAEMON@messagelabs.com */
    if (bp_engine_from(from, "@messagelabs.com")) {
	if (bp_engine_rx(&mlabs_uu, diag, 0, 0))
	    bp_engine_set(r, "userunknown");
	else if (bp_engine_rx(&mlabs_sec, diag, 0, 0))
	    bp_engine_set(r, "securityerror");
	return;
    }
    /* Trend Micro InterScan MSS: "Unable to deliver" means no such user. */
    if ((bp_engine_from(from, "\"interscan mss\"")
	 || bp_engine_from(from, "\"interscan notification\""))
	&& bp_strcasestr(diag, "unable to deliver")) {
	bp_engine_set(r, "userunknown");
	return;
    }
    /* Verizon Wireless gateways. */
    if (bp_engine_from(from, "post_master@vtext.com")
	&& bp_engine_rx(&vtext_uu, diag, 0, 0)) {
	bp_engine_set(r, "userunknown");
	return;
    }
    if (bp_engine_from(from, ".vzwpix.com")
	&& bp_engine_rx(&vzwpix_uu, diag, 0, 0)) {
	bp_engine_set(r, "userunknown");
	return;
    }
    /* Hotmail / Outlook.com: its text, and two of its markers. */
    if (bp_engine_rx(&outlook_uu, diag, 0, 0)) {
	n = bp_engine_hdr(headers, "Subject", "Delivery Status Notification", v)
	    + bp_mime_header(headers, "X-Message-Delivery", v)
	    + bp_mime_header(headers, "X-Message-Info", v)
	    + bp_engine_hdr(headers, "Received", ".hotmail.com", v);
	if (n >= 2) {
	    bp_engine_set(r, "userunknown");
	    return;
	}
    }

    /*
     * Korean portals (Naver, Daum/Kakao, Nate) write their own notice as
     * the recipient's mailbox host: "the address does not exist" there is
     * final, whatever command the sending MTA was at.
     */
    if (bp_engine_from(from, "@naver.com")
	|| bp_engine_from(from, "@daum.net")
	|| bp_engine_from(from, "@hanmail.net")
	|| bp_engine_from(from, "@kakao.com")
	|| bp_engine_from(from, "@nate.com")) {
	bp_lowercase(diag, v);
	if (bp_reason_match("userunknown", buf_str(v))) {
	    bp_engine_set(r, "userunknown");
	    return;
	}
    }

    /* The SMTP command, when the format shows it. */
    if (r->command[0] == 0) {
	if (bp_engine_rx(&x3_cmd, diag, cmd, sizeof(cmd))) {
	    for (i = 0; cmd[i]; i++)
		cmd[i] = (char) toupper((unsigned char) cmd[i]);
	    bp_strlcpy(r->command, cmd, sizeof(r->command));
	} else if (bp_engine_rx(&o365_rcpt, diag, 0, 0)
		   || bp_engine_rx(&rcpt_colon, diag, 0, 0))
	    bp_strlcpy(r->command, "RCPT", sizeof(r->command));
    }
}
