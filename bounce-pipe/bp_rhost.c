/*
 * NAME
 *	bp_rhost 3 - reasons from the error codes of large mailbox providers
 * SYNOPSIS
 *	#include "bp_rhost.h"
 *	const char *bp_rhost_reason(const BP_RCPT *r);
 * DESCRIPTION
 *	Some providers document their own error codes or fixed replies;
 *	when the remote host (r->rhost) or the recipient's domain is one
 *	of theirs, the code decides the reason before the generic rules,
 *	as Sisimai's lib/Sisimai/Rhost/ *.pm do (BSD 2-Clause, (C)
 *	azumakuniyuki):
 * .IP \(bu
 *	Orange / La Poste (orange.fr, wanadoo.fr, laposte.net): the
 *	three digits of "LPN007_416", "OFR_417", "OUK_513";
 * .IP \(bu
 *	Yahoo Inc. (yahoo.*, *.yahoodns.net): fixed replies;
 * .IP \(bu
 *	Cox (cox.net): "AUP#CXBL" codes, then fixed replies;
 * .IP \(bu
 *	Mimecast (*.mimecast.com): reply code and fixed text.
 * .PP
 *	bp_rhost_reason() returns the reason, "undefined" for a known
 *	provider code that names no reason, or NULL when no provider
 *	table applies.
 * DIAGNOSTICS
 *	None.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <stdlib.h>

#include "buf.h"

#include "bp_report.h"
#include "bp_rhost.h"

/* bp_rhost_is - host name equals or ends in .domain */

static int bp_rhost_is(const char *host, const char *const *domains)
{
    size_t  hl = strlen(host), dl;

    for (; *domains; domains++) {
	dl = strlen(*domains);
	if (hl == dl && strcasecmp(host, *domains) == 0)
	    return (1);
	if (hl > dl && host[hl - dl - 1] == '.'
	    && strcasecmp(host + hl - dl, *domains) == 0)
	    return (1);
    }
    return (0);
}

/* bp_rhost_match - rhost or the recipient's domain belongs to domains */

static int bp_rhost_match(const BP_RCPT *r, const char *const *domains)
{
    const char *at = strrchr(buf_str(r->addr), '@');

    return ((buf_len(r->rhost) && bp_rhost_is(buf_str(r->rhost), domains))
	    || (at && bp_rhost_is(at + 1, domains)));
}

/* Orange and La Poste error codes (the last three digits). */

static const struct {
    int     code;
    const char *reason;			/* NULL: a code that names no reason */
}       bp_fptt_codes[] = {
    {101, "blocked"}, {102, "blocked"}, {103, "blocked"}, {104, "toomanyconn"},
    {105, 0}, {107, 0}, {108, 0}, {109, 0}, {201, 0},
    {305, "securityerror"}, {401, "blocked"}, {402, "securityerror"},
    {403, "rejected"}, {405, "rejected"}, {415, "rejected"},
    {416, "userunknown"}, {417, "mailboxfull"}, {418, "userunknown"},
    {420, "suspend"}, {421, "rejected"}, {423, 0}, {424, 0},
    {426, "suspend"}, {505, "systemerror"}, {506, "spamdetected"},
    {510, "blocked"}, {513, 0}, {514, "mesgtoobig"},
    {517, "policyviolation"}, {630, "policyviolation"}, {999, "blocked"},
    {-1, 0},
};

/* bp_fptt - "LPN007_416", "LPNAAA_101", "OFR_417", "OFR004-405", "OUK_513" */

static const char *bp_fptt(const char *diag)
{
    const char *p, *q;
    int     i, code;

    for (p = diag; *p; p++) {
	if ((p != diag && isalnum((unsigned char) p[-1]))
	    || !(strncasecmp(p, "LPN", 3) == 0 || strncasecmp(p, "OFR", 3) == 0
		 || strncasecmp(p, "OUK", 3) == 0))
	    continue;
	q = p + 3;
	if (strncasecmp(p, "LPNAAA", 6) == 0)
	    q = p + 6;
	else if (isdigit((unsigned char) q[0]) && isdigit((unsigned char) q[1])
		 && isdigit((unsigned char) q[2]))
	    q += 3;
	if (*q != '_' && !(*q == '-' && q > p + 3))
	    continue;
	q++;
	if (!(isdigit((unsigned char) q[0]) && isdigit((unsigned char) q[1])
	      && isdigit((unsigned char) q[2])) || isalnum((unsigned char) q[3]))
	    continue;
	code = (q[0] - '0') * 100 + (q[1] - '0') * 10 + (q[2] - '0');
	for (i = 0; bp_fptt_codes[i].code >= 0; i++)
	    if (bp_fptt_codes[i].code == code)
		return (bp_fptt_codes[i].reason ? bp_fptt_codes[i].reason : "undefined");
	return ("undefined");
    }
    return (0);
}

/* Yahoo Inc. fixed replies, lowercase. */

static const struct {
    const char *reason;
    const char *text;
}       bp_yahoo_texts[] = {
    {"authfailure", "yahoo requires all senders to authenticate with either spf or dkim"},
    {"badreputation", "temporarily deferred due to unexpected volume or user complaints"},
    {"blocked", " because the ip is in spamhaus's list;"},
    {"blocked", "not accepted from ip addresses on spamhaus xbl"},
    {"norelaying", "relaying denied for "},
    {"notcompliantrfc", "headers are not rfc compliant"},
    {"policyviolation", "not accepted for policy reasons"},
    {"rejected", " will be permanently deferred"},
    {"speeding", "user is receiving mail too quickly"},
    {"suspend", " is no longer valid."},
    {"suspend", "this mailbox is disabled"},
    {"syntaxerror", "syntax error in parameters or arguments"},
    {"toomanyconn", "max message per connection reached"},
    {"userunknown", "dd this user doesn't have a "},
    {"userunknown", "mailbox not found"},
    {0, 0},
};

/* Cox AUP# codes and fixed replies. */

static const struct {
    const char *code;
    const char *reason;
}       bp_cox_codes[] = {
    {"CXBL", "blocked"}, {"CXDNS", "requireptr"}, {"CXSNDR", "authfailure"},
    {"CXSMTP", "rejected"}, {"CXCNCT", "toomanyconn"}, {"CXMXRT", "toomanyconn"},
    {"CDRBL", "blocked"}, {"CXTHRT", "securityerror"}, {"CXMJ", "securityerror"},
    {"IPBL", "blocked"}, {"URLBL", "spamdetected"},
    {0, 0},
};
static const struct {
    const char *reason;
    const char *text;
}       bp_cox_texts[] = {
    {"blocked", "cox too many bad commands from"},
    {"blocked", "too many invalid recipients"},
    {"requireptr", "dns check failure - try again later"},
    {"requireptr", "rejected - no rdns"},
    {"policyviolation", "esmtp no data before greeting"},
    {"policyviolation", "attachment extension is forbidden"},
    {"rejected", "sender rejected"},
    {"systemerror", "esmtp server temporarily not available"},
    {"toomanyconn", "too many sessions from"},
    {"toomanyconn", "requested action aborted: try again later"},
    {"toomanyconn", "message threshold exceeded"},
    {"userunknown", "recipient rejected"},
    {0, 0},
};

/* bp_cox - AUP#CODE first, then the texts */

static const char *bp_cox(const char *diag)
{
    const char *p;
    char    code[16];
    size_t  n;
    int     i;

    if ((p = strstr(diag, "AUP#")) != 0) {
	p += 4;
	for (n = 0; n < sizeof(code) - 1 && (isupper((unsigned char) p[n])
					    || isdigit((unsigned char) p[n])); n++)
	    code[n] = p[n];
	code[n] = 0;
	for (i = 0; bp_cox_codes[i].code; i++)
	    if (strcmp(code, bp_cox_codes[i].code) == 0
		|| ((strcmp(bp_cox_codes[i].code, "IPBL") == 0
		     || strcmp(bp_cox_codes[i].code, "URLBL") == 0)
		    && strncmp(code, bp_cox_codes[i].code, strlen(bp_cox_codes[i].code)) == 0))
		return (bp_cox_codes[i].reason);
    }
    for (i = 0; bp_cox_texts[i].reason; i++)
	if (bp_strcasestr(diag, bp_cox_texts[i].text))
	    return (bp_cox_texts[i].reason);
    return (0);
}

/* Mimecast: reply code and text, both must match. */

static const struct {
    int     reply;
    const char *text;
    const char *reason;
}       bp_mimecast[] = {
    {550, "spf sender invalid - envelope rejected", "authfailure"},
    {550, "dkim sender invalid - envelope rejected", "authfailure"},
    {550, "dmarc sender invalid - envelope rejected", "authfailure"},
    {451, "internal resources are temporarily unavailable", "badreputation"},
    {550, "local ct ip reputation - (reject)", "badreputation"},
    {421, "sender address blocked", "blocked"},
    {451, "recipient temporarily unavailable", "blocked"},
    {451, "ip temporarily blacklisted", "blocked"},
    {550, "journal messages past the expiration", "expired"},
    {554, "maximum email size exceeded", "mesgtoobig"},
    {451, "the incorrect hostname used for inbounds", "networkerror"},
    {550, "the incorrect hostname used for inbounds", "networkerror"},
    {554, "mail loop detected", "networkerror"},
    {451, "open relay not allowed", "norelaying"},
    {451, "open relay is not allowed", "norelaying"},
    {451, "account inbounds disabled", "notaccept"},
    {451, "account outbounds disabled", "onhold"},
    {451, "hostname is not authorized", "onhold"},
    {550, "journal message past expiration", "onhold"},
    {550, "anti-spoofing policy - inbound not allowed", "policyviolation"},
    {550, "rejected by header-based anti-spoofing policy", "policyviolation"},
    {550, "message bounced due to content examination policy", "policyviolation"},
    {554, "host network not allowed", "policyviolation"},
    {554, "host network, not allowed", "policyviolation"},
    {550, "administrative prohibition envelope blocked", "rejected"},
    {550, "envelope blocked - user entry", "rejected"},
    {550, "envelope blocked - user domain entry", "rejected"},
    {550, "rejected by header-based manually blocked senders", "rejected"},
    {550, "rejected by header-based blocked senders", "rejected"},
    {550, "envelope rejected - block policy for envelope from address", "rejected"},
    {535, "incorrect authentication data", "securityerror"},
    {550, "submitter failed to authenticate", "securityerror"},
    {553, "this route requires encryption (tls)", "securityerror"},
    {553, "this route requires tls version 1.2 or greater", "securityerror"},
    {553, "this route requires high-strength ciphers", "securityerror"},
    {554, "configuration is invalid for this certificate", "securityerror"},
    {451, "unable to process connection at this time", "systemerror"},
    {451, "message ended early", "systemerror"},
    {451, "unable to process command", "systemerror"},
    {451, "unable to process an email at this time", "systemerror"},
    {451, "account service is temporarily unavailable", "toomanyconn"},
    {452, "too many recipients", "toomanyconn"},
    {550, "exceeding outbound thread limit", "toomanyconn"},
    {501, "invalid address", "userunknown"},
    {503, "user unknown", "userunknown"},
    {550, "invalid recipient", "userunknown"},
    {554, "email rejected due to security policies", "virusdetected"},
    {0, 0, 0},
};

/* bp_rhost_reason - see above */

const char *bp_rhost_reason(const BP_RCPT *r)
{
    static const char *const fptt[] = {"laposte.net", "orange.fr", "wanadoo.fr", 0};
    static const char *const yahoo[] = {
	"yahoodns.net", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de",
	"yahoo.ca", "ymail.com", "rocketmail.com", 0,
    };
    const char *diag = buf_str(r->diag);
    int     i;

    static const char *const cox[] = {"cox.net", 0};
    static const char *const mimecast[] = {"mimecast.com", 0};

    if (bp_rhost_match(r, fptt))
	return (bp_fptt(diag));
    if (bp_rhost_match(r, cox))
	return (bp_cox(diag));
    if (bp_rhost_match(r, mimecast)) {
	int     reply = atoi(r->reply);

	for (i = 0; bp_mimecast[i].reply; i++)
	    if (reply == bp_mimecast[i].reply && bp_strcasestr(diag, bp_mimecast[i].text))
		return (bp_mimecast[i].reason);
	return (0);
    }
    if (bp_rhost_match(r, yahoo) || bp_strcasestr(diag, ".yahoo.com"))
	for (i = 0; bp_yahoo_texts[i].reason; i++)
	    if (bp_strcasestr(diag, bp_yahoo_texts[i].text))
		return (bp_yahoo_texts[i].reason);
    return (0);
}
