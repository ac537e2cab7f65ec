#ifndef PF_DOCTOR_DNS_H
#define PF_DOCTOR_DNS_H

/*
 * NAME
 *	doctor_dns 3 - DNS answers for postbulk doctor: live or from a zone file
 * SYNOPSIS
 *	#include "doctor_dns.h"
 *
 *	DOCTOR_DNS *doctor_dns_open(const char *zone_file, BUF *why);
 *	void doctor_dns_close(DOCTOR_DNS *dns);
 *	SPF_server_t *doctor_dns_spf(DOCTOR_DNS *dns);
 *	DOCTOR_RR *doctor_dns_query(DOCTOR_DNS *dns, const char *name, int type);
 *	void doctor_rr_free(DOCTOR_RR *rr);
 *	int doctor_dns_reverse(const char *ip, BUF *name, BUF *why);
 * DESCRIPTION
 *	One DNS source for every check, so SPF (evaluated by libspf2) and
 *	the DKIM, DMARC, PTR and MX checks see the same data. With a zone
 *	file, the data is loaded into libspf2's zone layer
 *	(SPF_dns_zone_new, SPF_dns_zone_add_str) and nothing is asked on
 *	the network; names that the file does not list do not exist.
 *	Without one, libspf2's resolver layer asks the system resolver.
 *
 *	ZONE FILE. A subset of the BIND master file format, enough for the
 *	records postbulk asks you to publish and for opendkim-genkey's
 *	.txt output:
 *
 *	    $ORIGIN example.com.
 *	    @                 IN TXT "v=spf1 ip4:192.0.2.10 -all"
 *	    s2026._domainkey  IN TXT ( "v=DKIM1; k=rsa; "
 *	                               "p=MIIBIjANBgkqh..." )
 *	    _dmarc            IN TXT "v=DMARC1; p=none"
 *	    10.2.0.192.in-addr.arpa. IN PTR mta.example.com.
 *	    mta               IN A   192.0.2.10
 *	    bounces           IN MX  10 mta.example.com.
 *
 *	One record per line, "NAME [TTL] [IN] TYPE DATA", TYPE one of A,
 *	AAAA, MX, TXT, PTR. A name ending in "." is absolute; other
 *	names are relative to the last $ORIGIN ("@" is the origin itself)
 *	or, before any $ORIGIN, taken as absolute. ";" starts a comment
 *	outside quotes; "( ... )" continues a record over several lines.
 *	TXT data is one or more quoted strings, concatenated as DNS
 *	clients do (a DKIM key split into 255-byte strings), or bare
 *	words. Names are compared without case.
 *
 *	doctor_dns_query() returns the answer as text: addresses for A and
 *	AAAA, host names for MX and PTR (no trailing dot), the
 *	concatenated strings for TXT. status is DOCTOR_DNS_OK,
 *	DOCTOR_DNS_NONE (no such name, or no record of that type) or
 *	DOCTOR_DNS_TEMP (server failure or time-out).
 *
 *	doctor_dns_reverse() makes the in-addr.arpa / ip6.arpa name of
 *	an IPv4 or IPv6 address.
 * DIAGNOSTICS
 *	doctor_dns_open() returns NULL with "FILE, line N: reason" in why
 *	for a bad zone file, or the reason the resolver cannot start.
 * SEE ALSO
 *	postbulk-doctor(8), libspf2 spf_dns_zone.h
 */
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <spf2/spf.h>

#include "buf.h"

typedef struct DOCTOR_DNS DOCTOR_DNS;

#define DOCTOR_DNS_OK	0
#define DOCTOR_DNS_NONE	1
#define DOCTOR_DNS_TEMP	2

typedef struct DOCTOR_RR {
    int     status;
    int     n;
    char  **data;
} DOCTOR_RR;

DOCTOR_DNS *doctor_dns_open(const char *, BUF *);
void    doctor_dns_close(DOCTOR_DNS *);
SPF_server_t *doctor_dns_spf(DOCTOR_DNS *);
DOCTOR_RR *doctor_dns_query(DOCTOR_DNS *, const char *, int);
void    doctor_rr_free(DOCTOR_RR *);
int     doctor_dns_reverse(const char *, BUF *, BUF *);

#endif
