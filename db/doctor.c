/*
 * NAME
 *	doctor 3 - postbulk doctor: is DNS ready for bulk mail from this host?
 * SYNOPSIS
 *	postbulk doctor DOMAIN [--ip ADDR]... [--selector S [--key FILE]]...
 *		[--bounce-domain D] [--zone FILE]
 * DESCRIPTION
 *	Checks what receiving portals check before they trust bulk mail
 *	from us, and prints one checklist line per check, PASS, WARN or
 *	FAIL, with the exact record to publish under each failure:
 *
 *	spf	libspf2 evaluates each --ip for DOMAIN (the From domain)
 *		and for the bounce domain (the envelope sender of our VERP
 *		return paths, which is what receivers check).
 *	dkim	for each selector, the TXT record at S._domainkey.DOMAIN
 *		holds the public half of our private key (--key, or the
 *		milter's key table); RSA keys shorter than 1024 bits fail,
 *		shorter than 2048 warn.
 *	dmarc	_dmarc.DOMAIN (or of its organizational domain) exists,
 *		has a valid p=, and DKIM or SPF passes aligned with DOMAIN
 *		under its adkim / aspf modes.
 *	ptr	each --ip has a PTR name whose A/AAAA records lead back to
 *		the IP (forward-confirmed reverse DNS).
 *	mx	the bounce domain has an MX (DSNs and complaints reach us).
 *
 *	The organizational domain is approximated (two labels, three under
 *	a known second-level like co.kr, or.kr, co.jp, co.uk, com.au): no
 *	public suffix list is shipped.
 *
 *	Defaults come from the postbulk configuration: bounce_domain,
 *	and the keys of DOMAIN in milter_dkim_key_table when no
 *	--selector is given.
 * EXIT STATUS
 *	0 every check passed (WARN lines are advice), 1 a check failed,
 *	64 usage, 65 bad zone file, 66 zone file missing, 78 bad
 *	configuration.
 * SEE ALSO
 *	postbulk-doctor(8), doctor_dns(3), doctor_dkim(3), RFC 7208, 6376,
 *	7489, 8463
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>


#include "log.h"
#include "mem.h"
#include "buf.h"
#include "keytab.h"
#include "cfg.h"
#include "params.h"

#include "doctor.h"
#include "doctor_dns.h"
#include "doctor_dkim.h"

#define DOC_MAX_IPS	8
#define DOC_MAX_SEL	8

#define DOC_KEY_TABLE	"milter_dkim_key_table"	/* postbulk-milter(8) */

typedef struct DOC {
    DOCTOR_DNS *dns;
    const char *domain;
    const char *bounce;
    const char *ips[DOC_MAX_IPS];
    int     nips;
    char   *sel[DOC_MAX_SEL];
    char   *key[DOC_MAX_SEL];		/* NULL = none given */
    int     nsel;
    int     pass, fail, warn;
    int     spf_ok_domain;		/* SPF passed for DOMAIN */
    int     spf_ok_bounce;		/* SPF passed for the bounce domain */
    int     dkim_ok;			/* at least one selector matched */
    char   *host;			/* our confirmed PTR name, if any */
} DOC;

/* doc_line - one checklist line */

static void PF_PRINTF(4, 5) doc_line(DOC *doc, const char *status,
				             const char *check, const char *fmt,...)
{
    va_list ap;

    if (strcmp(status, "PASS") == 0)
	doc->pass++;
    else if (strcmp(status, "FAIL") == 0)
	doc->fail++;
    else
	doc->warn++;
    printf("%-4s  %-6s ", status, check);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* doc_hint - an indented line under the last checklist line */

static void PF_PRINTF(1, 2) doc_hint(const char *fmt,...)
{
    va_list ap;

    printf("              ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* doc_org - approximate organizational domain (see DESCRIPTION) */

static const char *doc_org(const char *domain)
{
    static const char *const sld[] = {
	"co", "or", "ne", "go", "ac", "re", "pe", "ms", "hs", "es", "sc",
	"kg", "seoul", "busan", "com", "net", "org", "gov", "edu", 0,
    };
    const char *labels[128];
    int     n = 0, i;
    const char *cp;

    labels[n++] = domain;
    for (cp = domain; *cp && n < 128; cp++)
	if (*cp == '.')
	    labels[n++] = cp + 1;
    if (n <= 2)
	return (domain);
    /* labels[n-1] = TLD, labels[n-2] = second level. */
    if (strlen(labels[n - 1]) == 2)
	for (i = 0; sld[i]; i++)
	    if (strncasecmp(labels[n - 2], sld[i], strlen(sld[i])) == 0
		&& labels[n - 2][strlen(sld[i])] == '.')
		return (labels[n - 3]);
    return (labels[n - 2]);
}

/* doc_is_v4 - IPv4 address? */

static int doc_is_v4(const char *ip)
{
    return (strchr(ip, ':') == 0);
}

/* doc_spf_record - the SPF record text of a domain; count in *n */

static char *doc_spf_record(DOC *doc, const char *domain, int *n, int *temp)
{
    DOCTOR_RR *rr = doctor_dns_query(doc->dns, domain, ns_t_txt);
    char   *rec = 0;

    *n = 0;
    *temp = (rr->status == DOCTOR_DNS_TEMP);
    for (int i = 0; i < rr->n; i++)
	if (strncasecmp(rr->data[i], "v=spf1", 6) == 0
	    && (rr->data[i][6] == 0 || rr->data[i][6] == ' ')) {
	    if ((*n)++ == 0)
		rec = xstrdup(rr->data[i]);
	}
    doctor_rr_free(rr);
    return (rec);
}

/* doc_spf - does each IP pass SPF for domain? */

static int doc_spf(DOC *doc, const char *domain, const char *what)
{
    int     nrec, temp, nbad = 0;
    char   *rec = doc_spf_record(doc, domain, &nrec, &temp);
    BUF    *from = buf_alloc(256);
    BUF    *mechs = buf_alloc(256);

    buf_sprintf(from, "postmaster@%s", domain);
    for (int i = 0; i < doc->nips; i++) {
	const char *ip = doc->ips[i];
	SPF_request_t *req = SPF_request_new(doctor_dns_spf(doc->dns));
	SPF_response_t *resp = 0;
	SPF_result_t res;
	int     bad;

	bad = doc_is_v4(ip) ? SPF_request_set_ipv4_str(req, ip)
	    : SPF_request_set_ipv6_str(req, ip);
	if (bad || SPF_request_set_env_from(req, buf_str(from)) != 0) {
	    doc_line(doc, "FAIL", "spf", "%s: cannot evaluate %s for %s",
		     what, ip, domain);
	    SPF_request_free(req);
	    nbad++;
	    continue;
	}
	SPF_request_query_mailfrom(req, &resp);
	res = resp ? SPF_response_result(resp) : SPF_RESULT_TEMPERROR;
	if (res == SPF_RESULT_PASS) {
	    doc_line(doc, "PASS", "spf", "%s: %s may send for %s (%s)", what, ip,
		     domain, rec ? rec : "?");
	} else {
	    nbad++;
	    doc_line(doc, "FAIL", "spf", "%s: %s for %s is \"%s\"%s", what, ip,
		     domain, SPF_strresult(res),
		     temp ? " (DNS lookup failed, try again)" :
		     nrec > 1 ? " (more than one SPF record)" :
		     rec ? "" : " (no SPF record)");
	    buf_printf(mechs, "%s:%s ", doc_is_v4(ip) ? "ip4" : "ip6", ip);
	}
	if (resp)
	    SPF_response_free(resp);
	SPF_request_free(req);
    }
    /* One record to publish for all failing IPs: a domain has one SPF record. */
    if (buf_len(mechs) > 0 && !temp) {
	buf_truncate(mechs, buf_len(mechs) - 1);
	if (nrec > 1) {
	    doc_hint("merge the %d SPF records of %s into one, which includes %s",
		     nrec, domain, buf_str(mechs));
	} else if (rec) {
	    doc_hint("now:     %s. IN TXT \"%s\"", domain, rec);
	    doc_hint("publish instead: %s. IN TXT \"v=spf1 %s%s\"", domain, buf_str(mechs),
		     rec + 6);
	} else {
	    doc_hint("publish: %s. IN TXT \"v=spf1 %s -all\"", domain, buf_str(mechs));
	}
    }
    if (doc->nips == 0) {
	doc_line(doc, "FAIL", "spf", "%s: no sending IP given (--ip ADDR)", what);
	nbad++;
    }
    free(rec);
    buf_free(from);
    buf_free(mechs);
    return (nbad == 0);
}

/* doc_dkim_one - one selector */

static void doc_dkim_one(DOC *doc, const char *sel, const char *keyfile)
{
    BUF    *owner = buf_alloc(256);
    BUF    *why = buf_alloc(256);
    BUF    *txt = buf_alloc(1024);
    DOCTOR_RR *rr;
    DOCTOR_KEY ours, pub;
    int     have_ours = 0, have_pub = 0;
    const char *rec = 0;

    memset(&ours, 0, sizeof(ours));
    memset(&pub, 0, sizeof(pub));
    buf_sprintf(owner, "%s._domainkey.%s", sel, doc->domain);
    if (keyfile) {
	if (doctor_dkim_key(keyfile, &ours, why) < 0) {
	    doc_line(doc, "FAIL", "dkim", "%s: %s", buf_str(owner), buf_str(why));
	    goto out;
	}
	have_ours = 1;
    }
    rr = doctor_dns_query(doc->dns, buf_str(owner), ns_t_txt);
    for (int i = 0; i < rr->n; i++)
	if (strstr(rr->data[i], "p=") && (rec == 0 || strncmp(rr->data[i], "v=DKIM1", 7) == 0))
	    rec = rr->data[i];
    if (rr->status == DOCTOR_DNS_TEMP) {
	doc_line(doc, "FAIL", "dkim", "%s: DNS lookup failed, try again", buf_str(owner));
    } else if (rec == 0) {
	doc_line(doc, "FAIL", "dkim", "%s: no DKIM key published", buf_str(owner));
    } else if (doctor_dkim_record(rec, &pub, why) < 0) {
	doc_line(doc, "FAIL", "dkim", "%s: bad DKIM record: %s", buf_str(owner), buf_str(why));
    } else if (*pub.p == 0) {
	have_pub = 1;
	doc_line(doc, "FAIL", "dkim", "%s: the published key is revoked (empty p=)",
		 buf_str(owner));
    } else {
	have_pub = 1;
	if (!have_ours) {
	    doc_line(doc, "FAIL", "dkim", "%s: %s %d-bit key published, but no private "
		     "key to compare (--key FILE or milter_dkim_key_table)",
		     buf_str(owner), pub.k, pub.bits);
	} else if (strcasecmp(pub.k, ours.k) != 0 || strcmp(pub.p, ours.p) != 0) {
	    doc_line(doc, "FAIL", "dkim", "%s: the published key is not the public "
		     "half of %s (%s)", buf_str(owner), keyfile,
		     strcasecmp(pub.k, ours.k) ? "different key type" : "different key");
	} else if (pub.bits > 0 && pub.bits < 1024 && strcmp(pub.k, "rsa") == 0) {
	    doc_line(doc, "FAIL", "dkim", "%s: %d-bit RSA key matches %s, but receivers "
		     "ignore RSA keys under 1024 bits (RFC 8301)", buf_str(owner),
		     pub.bits, keyfile);
	    doc_hint("make a new key: opendkim-genkey -b 2048 -d %s -s %s", doc->domain, sel);
	} else {
	    doc_line(doc, "PASS", "dkim", "%s: %s %d-bit key matches %s",
		     buf_str(owner), pub.k, pub.bits, keyfile);
	    doc->dkim_ok = 1;
	    if (strcmp(pub.k, "rsa") == 0 && pub.bits < 2048) {
		doc_line(doc, "WARN", "dkim", "%s: RSA keys of %d bits are weak; "
			 "2048 bits is the norm", buf_str(owner), pub.bits);
		doc_hint("make a new key: opendkim-genkey -b 2048 -d %s -s %s",
			 doc->domain, sel);
	    }
	    doctor_rr_free(rr);
	    goto out;
	}
    }
    doctor_rr_free(rr);
    if (have_ours) {
	doctor_dkim_txt(&ours, buf_str(owner), txt);
	doc_hint("publish: %s", buf_str(txt));
    } else if (!have_pub) {
	doc_hint("make a key and publish its .txt record: "
		 "opendkim-genkey -b 2048 -d %s -s %s", doc->domain, sel);
    }

out:
    if (have_ours)
	doctor_key_free(&ours);
    if (pub.p)
	doctor_key_free(&pub);
    buf_free(owner);
    buf_free(why);
    buf_free(txt);
}

/* doc_key_table - selectors and keys of DOMAIN from the milter's table */

static int doc_key_table(DOC *doc, const char *table, BUF *why)
{
    KEYTAB *tab;
    const char *best;

    if ((tab = keytab_load(table, why)) == 0)
	return (-1);

    /*
     * The milter signs with the keys of the From domain or its nearest
     * parent listed (keytab_signing_domain); check the same keys here.
     */
    best = keytab_signing_domain(tab, doc->domain);
    for (size_t i = 0; best && i < tab->count && doc->nsel < DOC_MAX_SEL; i++) {
	if (strcmp(tab->ent[i].domain, best) != 0)
	    continue;
	doc->sel[doc->nsel] = xstrdup(tab->ent[i].selector);
	doc->key[doc->nsel] = xstrdup(tab->ent[i].file);
	doc->nsel++;
    }
    if (best && strcasecmp(best, doc->domain) != 0)
	printf("note: the milter signs %s with the keys of %s (d=%s)\n",
	       doc->domain, best, best);
    keytab_free(tab);
    return (0);
}

/* doc_dmarc_tag - value of a tag in a DMARC record, or NULL */

static char *doc_dmarc_tag(const char *rec, const char *tag)
{
    size_t  tl = strlen(tag);
    const char *cp = rec;

    while (cp && *cp) {
	while (*cp == ' ' || *cp == '\t' || *cp == ';')
	    cp++;
	if (strncasecmp(cp, tag, tl) == 0) {
	    const char *v = cp + tl;

	    while (*v == ' ' || *v == '\t')
		v++;
	    if (*v == '=') {
		const char *end;

		v++;
		while (*v == ' ' || *v == '\t')
		    v++;
		end = strchr(v, ';');
		if (end == 0)
		    end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		    end--;
		return (xstrndup(v, end - v));
	    }
	}
	cp = strchr(cp, ';');
    }
    return (0);
}

/* doc_aligned - is id aligned with the From domain under mode r or s? */

static int doc_aligned(const char *from, const char *id, const char *mode)
{
    if (mode && strcasecmp(mode, "s") == 0)
	return (strcasecmp(from, id) == 0);
    return (strcasecmp(doc_org(from), doc_org(id)) == 0);
}

/* doc_dmarc - record present, valid, and aligned */

static void doc_dmarc(DOC *doc)
{
    BUF    *owner = buf_alloc(256);
    DOCTOR_RR *rr;
    char   *rec = 0, *p = 0, *adkim = 0, *aspf = 0;
    int     n = 0, temp = 0, dkim_al, spf_al, from_sp = 0;
    const char *org = doc_org(doc->domain);

    for (int pass = 0; pass < 2 && rec == 0 && !temp; pass++) {
	if (pass == 1 && strcasecmp(org, doc->domain) == 0)
	    break;
	buf_sprintf(owner, "_dmarc.%s", pass ? org : doc->domain);
	rr = doctor_dns_query(doc->dns, buf_str(owner), ns_t_txt);
	temp = (rr->status == DOCTOR_DNS_TEMP);
	for (int i = 0; i < rr->n; i++)
	    if (strncasecmp(rr->data[i], "v=DMARC1", 8) == 0 && n++ == 0)
		rec = xstrdup(rr->data[i]);
	doctor_rr_free(rr);
    }
    if (temp) {
	doc_line(doc, "FAIL", "dmarc", "_dmarc.%s: DNS lookup failed, try again", doc->domain);
	goto out;
    }
    if (rec == 0) {
	doc_line(doc, "FAIL", "dmarc", "_dmarc.%s: no DMARC record", doc->domain);
	doc_hint("publish: _dmarc.%s. IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@%s; "
		 "adkim=r; aspf=r\"", doc->domain, doc->domain);
	doc_hint("(start with p=none, read the reports, then move to quarantine/reject)");
	goto out;
    }
    if (n > 1) {
	doc_line(doc, "FAIL", "dmarc", "%s: %d DMARC records; receivers ignore them all",
		 buf_str(owner), n);
	goto out;
    }
    p = doc_dmarc_tag(rec, "p");
    /* The organizational domain's record rules a subdomain with sp=. */
    if (strcasecmp(buf_str(owner) + 7, doc->domain) != 0) {
	char   *sp = doc_dmarc_tag(rec, "sp");

	if (sp) {
	    free(p);
	    p = sp;
	    from_sp = 1;
	}
    }
    adkim = doc_dmarc_tag(rec, "adkim");
    aspf = doc_dmarc_tag(rec, "aspf");
    if (p == 0 || (strcasecmp(p, "none") && strcasecmp(p, "quarantine")
		   && strcasecmp(p, "reject"))) {
	doc_line(doc, "FAIL", "dmarc", "%s: \"%s\": p= must be none, quarantine or reject",
		 buf_str(owner), rec);
	doc_hint("publish: %s. IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@%s\"",
		 buf_str(owner), doc->domain);
	goto out;
    }
    /* We sign with d=DOMAIN; the envelope sender is the bounce domain. */
    dkim_al = doc->dkim_ok && doc_aligned(doc->domain, doc->domain, adkim);
    spf_al = doc->spf_ok_bounce && doc_aligned(doc->domain, doc->bounce, aspf);
    if (dkim_al || spf_al) {
	doc_line(doc, "PASS", "dmarc", "%s: %s=%s; aligned: %s%s%s", buf_str(owner),
		 from_sp ? "sp" : "p", p, dkim_al ? "dkim" : "",
		 dkim_al && spf_al ? ", " : "", spf_al ? "spf" : "");
	if (strcasecmp(p, "none") == 0)
	    doc_hint("(p=none only monitors; some portals want quarantine or reject for bulk senders)");
	if (!spf_al && doc->spf_ok_bounce)
	    doc_hint("(SPF of %s is not aligned with %s under aspf=%s; DKIM carries DMARC)",
		     doc->bounce, doc->domain, aspf ? aspf : "r");
    } else {
	doc_line(doc, "FAIL", "dmarc", "%s: p=%s, but neither DKIM nor SPF passes aligned "
		 "with %s", buf_str(owner), p, doc->domain);
	if (!doc->dkim_ok)
	    doc_hint("fix the dkim lines above: an aligned DKIM signature is what "
		     "DMARC needs from a bulk sender");
	else if (aspf && strcasecmp(aspf, "s") == 0)
	    doc_hint("aspf=s: the bounce domain %s is not %s; use aspf=r", doc->bounce,
		     doc->domain);
    }

out:
    free(rec);
    free(p);
    free(adkim);
    free(aspf);
    buf_free(owner);
}

/* doc_ptr - forward-confirmed reverse DNS of each IP */

static void doc_ptr(DOC *doc)
{
    BUF    *rev = buf_alloc(128);
    BUF    *why = buf_alloc(128);

    if (doc->nips == 0)
	doc_line(doc, "FAIL", "ptr", "no sending IP given (--ip ADDR)");
    for (int i = 0; i < doc->nips; i++) {
	const char *ip = doc->ips[i];
	DOCTOR_RR *ptr;
	const char *confirmed = 0;

	if (doctor_dns_reverse(ip, rev, why) < 0) {
	    doc_line(doc, "FAIL", "ptr", "%s", buf_str(why));
	    continue;
	}
	ptr = doctor_dns_query(doc->dns, buf_str(rev), ns_t_ptr);
	for (int j = 0; j < ptr->n && !confirmed; j++) {
	    DOCTOR_RR *fw = doctor_dns_query(doc->dns, ptr->data[j],
					     doc_is_v4(ip) ? ns_t_a : ns_t_aaaa);

	    for (int k = 0; k < fw->n; k++)
		if (strcmp(fw->data[k], ip) == 0)
		    confirmed = ptr->data[j];
	    doctor_rr_free(fw);
	}
	if (confirmed) {
	    doc_line(doc, "PASS", "ptr", "%s -> %s -> %s", ip, confirmed, ip);
	    if (doc->host == 0)
		doc->host = xstrdup(confirmed);
	} else if (ptr->status == DOCTOR_DNS_TEMP) {
	    doc_line(doc, "FAIL", "ptr", "%s: DNS lookup failed, try again", ip);
	} else if (ptr->n == 0) {
	    doc_line(doc, "FAIL", "ptr", "%s has no PTR record (portals refuse mail "
		     "from IPs without reverse DNS)", ip);
	    doc_hint("(the reverse zone belongs to the owner of %s, e.g. the hosting provider)", ip);
	    doc_hint("publish: %s. IN PTR mta.%s.", buf_str(rev), doc->domain);
	    doc_hint("publish: mta.%s. IN %s %s", doc->domain,
		     doc_is_v4(ip) ? "A" : "AAAA", ip);
	} else {
	    doc_line(doc, "FAIL", "ptr", "%s -> %s, but %s does not resolve back to %s",
		     ip, ptr->data[0], ptr->data[0], ip);
	    doc_hint("publish: %s. IN %s %s", ptr->data[0], doc_is_v4(ip) ? "A" : "AAAA", ip);
	}
	doctor_rr_free(ptr);
    }
    buf_free(rev);
    buf_free(why);
}

/* doc_mx - the bounce domain receives mail */

static void doc_mx(DOC *doc)
{
    DOCTOR_RR *mx = doctor_dns_query(doc->dns, doc->bounce, ns_t_mx);
    BUF    *hosts = buf_alloc(256);
    const char *target = doc->host;
    BUF    *fallback = buf_alloc(256);
    int     unresolved = 0;

    if (target == 0) {
	buf_sprintf(fallback, "mta.%s", doc->domain);
	target = buf_str(fallback);
    }
    for (int i = 0; i < mx->n; i++) {
	DOCTOR_RR *a = doctor_dns_query(doc->dns, mx->data[i], ns_t_a);
	DOCTOR_RR *aaaa = doctor_dns_query(doc->dns, mx->data[i], ns_t_aaaa);

	buf_printf(hosts, "%s%s", i ? ", " : "", mx->data[i]);
	if (a->n == 0 && aaaa->n == 0) {
	    unresolved++;
	    buf_puts(hosts, " (no address!)");
	}
	doctor_rr_free(a);
	doctor_rr_free(aaaa);
    }
    if (mx->status == DOCTOR_DNS_TEMP) {
	doc_line(doc, "FAIL", "mx", "%s: DNS lookup failed, try again", doc->bounce);
    } else if (mx->n == 0) {
	doc_line(doc, "FAIL", "mx", "bounce domain %s has no MX: bounces and "
		 "complaints cannot come back", doc->bounce);
	doc_hint("publish: %s. IN MX 10 %s.", doc->bounce, target);
    } else if (unresolved == mx->n) {
	doc_line(doc, "FAIL", "mx", "bounce domain %s: MX %s", doc->bounce, buf_str(hosts));
	doc_hint("publish: %s. IN A <address of this host>", mx->data[0]);
    } else {
	doc_line(doc, "PASS", "mx", "bounce domain %s: MX %s", doc->bounce, buf_str(hosts));
    }
    doctor_rr_free(mx);
    buf_free(hosts);
    buf_free(fallback);
}

/* doc_usage - complain and return EX_USAGE */

static int PF_PRINTF(1, 2) doc_usage(const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "postbulk doctor: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: postbulk doctor DOMAIN [--ip ADDR]... "
	    "[--selector S [--key FILE]]... [--bounce-domain D] [--zone FILE]\n");
    return (EX_USAGE);
}

/* doc_lower - lowercase copy without a trailing dot */

static char *doc_lower(const char *s)
{
    char   *r = xstrdup(s);
    size_t  len = strlen(r);

    if (len > 0 && r[len - 1] == '.')
	r[len - 1] = 0;
    for (char *p = r; *p; p++)
	*p = tolower((unsigned char) *p);
    return (r);
}

/* doctor_main - the doctor command */

int     doctor_main(const char *config, int argc, char **argv)
{
    DOC     doc;
    const char *zone = 0;
    char   *bounce = 0;
    char   *domain = 0;
    BUF    *why = buf_alloc(256);
    BUF    *tmp = buf_alloc(256);
    CFG    *cfg = 0;
    int     i, ret = EX_USAGE;
    int     explicit_keys = 0;

    memset(&doc, 0, sizeof(doc));
    for (i = 1; i < argc; i++) {
	const char *a = argv[i];

	if (strcmp(a, "--ip") == 0 && i + 1 < argc) {
	    if (doc.nips >= DOC_MAX_IPS) {
		ret = doc_usage("at most %d --ip options", DOC_MAX_IPS);
		goto out;
	    }
	    if (doctor_dns_reverse(argv[i + 1], tmp, why) < 0) {
		ret = doc_usage("--ip %s", buf_str(why));
		goto out;
	    }
	    doc.ips[doc.nips++] = argv[++i];
	} else if (strcmp(a, "--selector") == 0 && i + 1 < argc) {
	    if (doc.nsel >= DOC_MAX_SEL) {
		ret = doc_usage("at most %d --selector options", DOC_MAX_SEL);
		goto out;
	    }
	    doc.sel[doc.nsel++] = xstrdup(argv[++i]);
	    explicit_keys = 1;
	} else if (strcmp(a, "--key") == 0 && i + 1 < argc) {
	    if (doc.nsel == 0 || doc.key[doc.nsel - 1]) {
		ret = doc_usage("--key FILE belongs after its --selector S");
		goto out;
	    }
	    doc.key[doc.nsel - 1] = xstrdup(argv[++i]);
	} else if (strcmp(a, "--bounce-domain") == 0 && i + 1 < argc) {
	    free(bounce);
	    bounce = doc_lower(argv[++i]);
	} else if (strcmp(a, "--zone") == 0 && i + 1 < argc) {
	    zone = argv[++i];
	} else if (a[0] == '-') {
	    ret = doc_usage("unknown option or missing value: %s", a);
	    goto out;
	} else if (domain == 0) {
	    domain = doc_lower(a);
	} else {
	    ret = doc_usage("one DOMAIN only (\"%s\")", a);
	    goto out;
	}
    }
    if (domain == 0 || strchr(domain, '.') == 0) {
	ret = doc_usage(domain ? "\"%s\" is not a domain name" : "no DOMAIN given",
			domain ? domain : "");
	goto out;
    }
    doc.domain = domain;

    /* Defaults from the postbulk configuration. */
    if (params_load(config, 0, 0, why) < 0) {
	fprintf(stderr, "postbulk doctor: %s\n", buf_str(why));
	ret = EX_CONFIG;
	goto out;
    }
    if (bounce == 0)
	bounce = doc_lower(var_bounce_domain);
    doc.bounce = bounce;
    if (!explicit_keys) {
	const char *table;

	if ((cfg = cfg_load(config ? config : cfg_default_path(), why)) == 0) {
	    fprintf(stderr, "postbulk doctor: %s\n", buf_str(why));
	    ret = EX_CONFIG;
	    goto out;
	}
	if ((table = cfg_get(cfg, DOC_KEY_TABLE)) != 0 && *table
	    && doc_key_table(&doc, table, why) < 0) {
	    fprintf(stderr, "postbulk doctor: %s\n", buf_str(why));
	    ret = EX_CONFIG;
	    goto out;
	}
    }
    if ((doc.dns = doctor_dns_open(zone, why)) == 0) {
	fprintf(stderr, "postbulk doctor: %s\n", buf_str(why));
	ret = zone && access(zone, R_OK) < 0 ? EX_NOINPUT : zone ? EX_DATAERR : EX_UNAVAILABLE;
	goto out;
    }

    printf("postbulk doctor: %s, ip %s", domain, doc.nips ? "" : "(none)");
    for (i = 0; i < doc.nips; i++)
	printf("%s%s", i ? ", " : "", doc.ips[i]);
    printf(", bounce domain %s, DNS %s%s\n", doc.bounce, zone ? "zone file " : "live",
	   zone ? zone : "");

    doc.spf_ok_domain = doc_spf(&doc, domain, "from domain");
    if (strcasecmp(doc.bounce, domain) != 0)
	doc.spf_ok_bounce = doc_spf(&doc, doc.bounce, "bounce domain");
    else
	doc.spf_ok_bounce = doc.spf_ok_domain;
    if (doc.nsel == 0) {
	doc_line(&doc, "FAIL", "dkim", "no selector to check: give --selector S --key FILE, "
		 "or list %s in %s", domain, DOC_KEY_TABLE);
	doc_hint("make a key: opendkim-genkey -b 2048 -d %s -s s%s", domain, "2026");
    }
    for (i = 0; i < doc.nsel; i++)
	doc_dkim_one(&doc, doc.sel[i], doc.key[i]);
    doc_dmarc(&doc);
    doc_ptr(&doc);
    doc_mx(&doc);
    printf("summary: %d passed, %d failed, %d warnings\n", doc.pass, doc.fail, doc.warn);
    ret = doc.fail ? 1 : 0;

out:
    if (fflush(stdout) != 0 && ret == 0)
	ret = EX_IOERR;
    if (doc.dns)
	doctor_dns_close(doc.dns);
    for (i = 0; i < doc.nsel; i++) {
	free(doc.sel[i]);
	free(doc.key[i]);
    }
    if (cfg)
	cfg_free(cfg);
    free(doc.host);
    free(domain);
    free(bounce);
    buf_free(why);
    buf_free(tmp);
    return (ret);
}
