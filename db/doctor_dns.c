/*
 * NAME
 *	doctor_dns 3 - DNS answers for postbulk doctor: live or from a zone file
 * DESCRIPTION
 *	See doctor_dns.h. The zone file is parsed here; libspf2 keeps the
 *	records (its zone layer) and answers both the SPF evaluation and
 *	our own lookups, so the two can never disagree.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spf2/spf_dns.h>
#include <spf2/spf_dns_zone.h>
#include <spf2/spf_dns_resolv.h>

#include "log.h"
#include "mem.h"
#include "buf.h"

#include "doctor_dns.h"

struct DOCTOR_DNS {
    SPF_server_t *spf;			/* uses the DNS layer */
    SPF_dns_server_t *layer;		/* ours to free */
};

#define ZONE_MAX_RECORD	65536		/* one record, joined over lines */

/* dz_err - "FILE, line N: reason" */

static int PF_PRINTF(4, 5) dz_err(BUF *why, const char *path, int line,
				          const char *fmt,...)
{
    va_list ap;

    buf_sprintf(why, "%s, line %d: ", path, line);
    va_start(ap, fmt);
    buf_vprintf(why, fmt, ap);
    va_end(ap);
    return (-1);
}

/* dz_token - next word or quoted string of a record; 0 at the end */

static int dz_token(const char **cpp, BUF *tok, int *quoted)
{
    const char *cp = *cpp;

    while (*cp == ' ' || *cp == '\t' || *cp == '(' || *cp == ')')
	cp++;
    if (*cp == 0) {
	*cpp = cp;
	return (0);
    }
    buf_reset(tok);
    if (*cp == '"') {
	*quoted = 1;
	for (cp++; *cp && *cp != '"'; cp++) {
	    if (*cp == '\\' && cp[1])
		cp++;
	    buf_putc(tok, *cp);
	}
	if (*cp != '"')
	    return (-1);			/* unterminated */
	cp++;
    } else {
	*quoted = 0;
	while (*cp && *cp != ' ' && *cp != '\t' && *cp != '(' && *cp != ')')
	    buf_putc(tok, *cp++);
    }
    *cpp = cp;
    return (1);
}

/* dz_name - absolute lowercase name without the trailing dot */

static void dz_name(const char *name, const char *origin, BUF *out)
{
    size_t  len = strlen(name);

    buf_reset(out);
    if (strcmp(name, "@") == 0) {
	buf_puts(out, origin);
    } else if (len > 0 && name[len - 1] == '.') {
	buf_append(out, name, len - 1);
    } else if (*origin) {
	buf_printf(out, "%s.%s", name, origin);
    } else {
	buf_puts(out, name);
    }
    for (char *p = buf_str(out); *p; p++)
	*p = tolower((unsigned char) *p);
}

/* dz_name_ok - a host name libspf2 can store: LDH labels (and "_", "*") */

static int dz_name_ok(const char *name)
{
    size_t  len = strlen(name), label = 0;

    if (len == 0 || len > 253 || name[0] == '.')
	return (0);
    for (const char *cp = name; *cp; cp++) {
	if (*cp == '.') {
	    if (label == 0)
		return (0);			/* empty label */
	    label = 0;
	} else if (isalnum((unsigned char) *cp) || *cp == '-' || *cp == '_' || *cp == '*') {
	    if (++label > 63)
		return (0);
	} else {
	    return (0);
	}
    }
    return (1);
}

/* dz_strip - drop a comment outside quotes and the line end */

static void dz_strip(char *line, int *depth)
{
    int     inq = 0;
    char   *cp;

    for (cp = line; *cp; cp++) {
	if (*cp == '\\' && inq && cp[1]) {
	    cp++;
	} else if (*cp == '"') {
	    inq = !inq;
	} else if (!inq && *cp == ';') {
	    *cp = 0;
	    break;
	} else if (!inq && *cp == '(') {
	    (*depth)++;
	} else if (!inq && *cp == ')') {
	    (*depth)--;
	}
    }
    cp = line + strlen(line);
    while (cp > line && (cp[-1] == '\n' || cp[-1] == '\r' || cp[-1] == ' ' || cp[-1] == '\t'))
	*--cp = 0;
}

/* dz_record - one joined record into the zone layer */

static int dz_record(SPF_dns_server_t *zone, const char *rec, int owner_blank,
		             BUF *origin, BUF *last, const char *path,
		             int line, BUF *why)
{
    BUF    *tok = buf_alloc(256);
    BUF    *name = buf_alloc(256);
    BUF    *data = buf_alloc(512);
    const char *cp = rec;
    int     q, r, type = 0, ret = 0;
    unsigned char addr[16];

    if ((r = dz_token(&cp, tok, &q)) <= 0) {
	ret = r < 0 ? dz_err(why, path, line, "unterminated quoted string") : 0;
	goto out;
    }
    if (strcasecmp(buf_str(tok), "$ORIGIN") == 0) {
	if (dz_token(&cp, tok, &q) <= 0) {
	    ret = dz_err(why, path, line, "$ORIGIN without a name");
	    goto out;
	}
	dz_name(buf_str(tok), "", origin);
	if (!dz_name_ok(buf_str(origin)) || buf_str(tok)[buf_len(tok) - 1] != '.') {
	    ret = dz_err(why, path, line, "$ORIGIN must be absolute (end in \".\")");
	    goto out;
	}
	goto out;
    }
    if (strcasecmp(buf_str(tok), "$TTL") == 0)
	goto out;

    /* The owner name, or the previous one when the line starts blank. */
    if (owner_blank) {
	if (buf_len(last) == 0) {
	    ret = dz_err(why, path, line, "record without an owner name");
	    goto out;
	}
	buf_sprintf(name, "%s", buf_str(last));
    } else {
	if (strcmp(buf_str(tok), "@") == 0 && buf_len(origin) == 0) {
	    ret = dz_err(why, path, line, "\"@\" before any $ORIGIN");
	    goto out;
	}
	dz_name(buf_str(tok), buf_str(origin), name);
	buf_sprintf(last, "%s", buf_str(name));
	if (dz_token(&cp, tok, &q) <= 0) {
	    ret = dz_err(why, path, line, "%s: no record type", buf_str(name));
	    goto out;
	}
    }
    if (!dz_name_ok(buf_str(name))) {
	ret = dz_err(why, path, line, "bad owner name \"%s\"", buf_str(name));
	goto out;
    }
    /* Optional TTL and class. */
    if (isdigit((unsigned char) buf_str(tok)[0]) && dz_token(&cp, tok, &q) <= 0) {
	ret = dz_err(why, path, line, "%s: no record type", buf_str(name));
	goto out;
    }
    if (strcasecmp(buf_str(tok), "IN") == 0 && dz_token(&cp, tok, &q) <= 0) {
	ret = dz_err(why, path, line, "%s: no record type", buf_str(name));
	goto out;
    }
    if (strcasecmp(buf_str(tok), "A") == 0)
	type = ns_t_a;
    else if (strcasecmp(buf_str(tok), "AAAA") == 0)
	type = ns_t_aaaa;
    else if (strcasecmp(buf_str(tok), "MX") == 0)
	type = ns_t_mx;
    else if (strcasecmp(buf_str(tok), "TXT") == 0)
	type = ns_t_txt;
    else if (strcasecmp(buf_str(tok), "PTR") == 0)
	type = ns_t_ptr;
    else if (strcasecmp(buf_str(tok), "SOA") == 0 || strcasecmp(buf_str(tok), "NS") == 0
	     || strcasecmp(buf_str(tok), "CNAME") == 0) {
	ret = dz_err(why, path, line, "%s: record type %s is not supported",
		     buf_str(name), buf_str(tok));
	goto out;
    } else {
	ret = dz_err(why, path, line, "%s: unknown record type \"%s\"",
		     buf_str(name), buf_str(tok));
	goto out;
    }

    /* The data. */
    buf_reset(data);
    if (type == ns_t_txt) {
	int     n = 0;

	while ((r = dz_token(&cp, tok, &q)) > 0) {
	    if (!q && n > 0)
		buf_putc(data, ' ');
	    buf_append(data, buf_str(tok), buf_len(tok));
	    n++;
	}
	if (r < 0 || n == 0) {
	    ret = dz_err(why, path, line, "%s: %s", buf_str(name),
			 r < 0 ? "unterminated quoted string" : "TXT without data");
	    goto out;
	}
    } else {
	if (type == ns_t_mx) {			/* preference, then host */
	    if (dz_token(&cp, tok, &q) <= 0) {
		ret = dz_err(why, path, line, "%s: MX without data", buf_str(name));
		goto out;
	    }
	    if (strspn(buf_str(tok), "0123456789") != buf_len(tok)) {
		ret = dz_err(why, path, line, "%s: MX wants \"PREFERENCE HOST\"", buf_str(name));
		goto out;
	    }
	}
	if (dz_token(&cp, tok, &q) <= 0) {
	    ret = dz_err(why, path, line, "%s: record without data", buf_str(name));
	    goto out;
	}
	if (type == ns_t_a || type == ns_t_aaaa) {
	    if (inet_pton(type == ns_t_a ? AF_INET : AF_INET6, buf_str(tok), addr) != 1) {
		ret = dz_err(why, path, line, "%s: bad %s address \"%s\"", buf_str(name),
			     type == ns_t_a ? "IPv4" : "IPv6", buf_str(tok));
		goto out;
	    }
	    buf_puts(data, buf_str(tok));
	} else {
	    BUF    *host = buf_alloc(256);

	    dz_name(buf_str(tok), buf_str(origin), host);
	    if (!dz_name_ok(buf_str(host))) {
		ret = dz_err(why, path, line, "%s: bad host name \"%s\"", buf_str(name),
			     buf_str(host));
		buf_free(host);
		goto out;
	    }
	    /* libspf2 skips leading digits of MX data (its "PREF HOST"). */
	    buf_sprintf(data, "%s%s", type == ns_t_mx ? "0 " : "", buf_str(host));
	    buf_free(host);
	}
	if (dz_token(&cp, tok, &q) != 0) {
	    ret = dz_err(why, path, line, "%s: unexpected \"%s\" after the data",
			 buf_str(name), buf_str(tok));
	    goto out;
	}
    }
    if (SPF_dns_zone_add_str(zone, buf_str(name), type, NETDB_SUCCESS, buf_str(data))
	!= SPF_E_SUCCESS)
	ret = dz_err(why, path, line, "%s: record rejected by libspf2", buf_str(name));

out:
    buf_free(tok);
    buf_free(name);
    buf_free(data);
    return (ret);
}

/* dz_load - read a zone file into the zone layer */

static int dz_load(SPF_dns_server_t *zone, const char *path, BUF *why)
{
    FILE   *fp;
    char   *line = 0;
    size_t  size = 0;
    BUF    *rec = buf_alloc(1024);
    BUF    *origin = buf_alloc(256);
    BUF    *last = buf_alloc(256);
    int     depth = 0, lineno = 0, start = 0, blank = 0, ret = 0;

    if ((fp = fopen(path, "r")) == 0) {
	buf_sprintf(why, "%s: %s", path, strerror(errno));
	return (-1);
    }
    while (getline(&line, &size, fp) > 0) {
	lineno++;
	dz_strip(line, &depth);
	if (buf_len(rec) == 0) {
	    if (line[strspn(line, " \t")] == 0)
		continue;
	    start = lineno;
	    blank = (line[0] == ' ' || line[0] == '\t');
	} else {
	    buf_putc(rec, ' ');
	}
	buf_puts(rec, line);
	if (buf_len(rec) > ZONE_MAX_RECORD) {
	    ret = dz_err(why, path, start, "record longer than %d bytes", ZONE_MAX_RECORD);
	    break;
	}
	if (depth < 0) {
	    ret = dz_err(why, path, lineno, "\")\" without \"(\"");
	    break;
	}
	if (depth > 0)
	    continue;
	if ((ret = dz_record(zone, buf_str(rec), blank, origin, last, path, start, why)) < 0)
	    break;
	buf_reset(rec);
    }
    if (ret == 0 && ferror(fp))
	ret = dz_err(why, path, lineno, "read error: %s", strerror(errno));
    if (ret == 0 && depth > 0)
	ret = dz_err(why, path, start, "\"(\" without \")\"");
    fclose(fp);
    free(line);
    buf_free(rec);
    buf_free(origin);
    buf_free(last);
    return (ret);
}

/* doctor_dns_open - zone file or live resolver */

DOCTOR_DNS *doctor_dns_open(const char *zone_file, BUF *why)
{
    DOCTOR_DNS *dns = xcalloc(1, sizeof(*dns));

    if (zone_file) {
	if ((dns->layer = SPF_dns_zone_new(0, "zone", 0)) == 0) {
	    buf_sprintf(why, "libspf2: cannot create a zone layer");
	    free(dns);
	    return (0);
	}
	if (dz_load(dns->layer, zone_file, why) < 0) {
	    SPF_dns_free(dns->layer);
	    free(dns);
	    return (0);
	}
    } else if ((dns->layer = SPF_dns_resolv_new(0, "resolv", 0)) == 0) {
	buf_sprintf(why, "libspf2: cannot initialize the resolver (res_ninit)");
	free(dns);
	return (0);
    }
    if ((dns->spf = SPF_server_new_dns(dns->layer, 0)) == 0) {
	buf_sprintf(why, "libspf2: cannot create an SPF server");
	SPF_dns_free(dns->layer);
	free(dns);
	return (0);
    }
    SPF_server_set_rec_dom(dns->spf, "postbulk-doctor");
    return (dns);
}

/* doctor_dns_close - free the server, then the DNS layer */

void    doctor_dns_close(DOCTOR_DNS *dns)
{
    /* SPF_server_free() leaves a layer given to SPF_server_new_dns() alone. */
    SPF_server_free(dns->spf);
    SPF_dns_free(dns->layer);
    free(dns);
}

/* doctor_dns_spf - the SPF server using our DNS layer */

SPF_server_t *doctor_dns_spf(DOCTOR_DNS *dns)
{
    return (dns->spf);
}

/* doctor_dns_query - one lookup, as text */

DOCTOR_RR *doctor_dns_query(DOCTOR_DNS *dns, const char *name, int type)
{
    DOCTOR_RR *res = xcalloc(1, sizeof(*res));
    SPF_dns_rr_t *rr = SPF_dns_lookup(dns->layer, name, type, 0);
    char    addr[INET6_ADDRSTRLEN];
    int     i;

    if (rr == 0) {
	res->status = DOCTOR_DNS_TEMP;
	return (res);
    }
    switch (rr->herrno) {
    case NETDB_SUCCESS:
	res->status = rr->num_rr > 0 ? DOCTOR_DNS_OK : DOCTOR_DNS_NONE;
	break;
    case HOST_NOT_FOUND:
    case NO_DATA:
	res->status = DOCTOR_DNS_NONE;
	break;
    default:
	res->status = DOCTOR_DNS_TEMP;
	break;
    }
    if (res->status == DOCTOR_DNS_OK) {
	res->data = xcalloc(rr->num_rr, sizeof(*res->data));
	for (i = 0; i < rr->num_rr; i++) {
	    const char *s;

	    switch (type) {
	    case ns_t_a:
		s = inet_ntop(AF_INET, &rr->rr[i]->a, addr, sizeof(addr));
		break;
	    case ns_t_aaaa:
		s = inet_ntop(AF_INET6, &rr->rr[i]->aaaa, addr, sizeof(addr));
		break;
	    case ns_t_mx:
		s = rr->rr[i]->mx;
		break;
	    case ns_t_ptr:
		s = rr->rr[i]->ptr;
		break;
	    default:
		s = rr->rr[i]->txt;
		break;
	    }
	    if (s == 0)
		continue;
	    res->data[res->n] = xstrdup(s);
	    /* Host names: lowercase, no trailing dot. */
	    if (type == ns_t_mx || type == ns_t_ptr) {
		char   *p = res->data[res->n];
		size_t  len = strlen(p);

		if (len > 0 && p[len - 1] == '.')
		    p[len - 1] = 0;
		for (; *p; p++)
		    *p = tolower((unsigned char) *p);
	    }
	    res->n++;
	}
	if (res->n == 0)
	    res->status = DOCTOR_DNS_NONE;
    }
    SPF_dns_rr_free(rr);
    return (res);
}

/* doctor_rr_free - free an answer */

void    doctor_rr_free(DOCTOR_RR *rr)
{
    for (int i = 0; i < rr->n; i++)
	free(rr->data[i]);
    free(rr->data);
    free(rr);
}

/* doctor_dns_reverse - in-addr.arpa or ip6.arpa name of an address */

int     doctor_dns_reverse(const char *ip, BUF *name, BUF *why)
{
    unsigned char a[16];
    int     i;

    buf_reset(name);
    if (inet_pton(AF_INET, ip, a) == 1) {
	buf_printf(name, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
	return (0);
    }
    if (inet_pton(AF_INET6, ip, a) == 1) {
	for (i = 15; i >= 0; i--)
	    buf_printf(name, "%x.%x.", a[i] & 0xf, a[i] >> 4);
	buf_puts(name, "ip6.arpa");
	return (0);
    }
    buf_sprintf(why, "\"%s\" is not an IPv4 or IPv6 address", ip);
    return (-1);
}
