/*
 * NAME
 *	doctor_fuzz 1 - libFuzzer harness for the doctor's parsers
 * SYNOPSIS
 *	make fuzz-doctor	(in a copy of the tree: it builds with clang)
 * DESCRIPTION
 *	Feeds each input to doctor_dkim_record() (published DKIM records
 *	come from the network) and, written to a file, to the zone file
 *	loader of doctor_dns_open(), then asks the loaded zone a few
 *	questions. Any crash, leak or UBSan report is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"

#include "doctor_dns.h"
#include "doctor_dkim.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char   *txt = xstrndup((const char *) data, len);
    BUF    *why = buf_alloc(100);
    DOCTOR_KEY key;
    DOCTOR_DNS *dns;
    char    path[] = "/tmp/doctor-fuzz.XXXXXX";
    int     fd;

    if (doctor_dkim_record(txt, &key, why) == 0)
	doctor_key_free(&key);
    free(txt);

    if ((fd = mkstemp(path)) < 0)
	abort();
    if (write(fd, data, len) != (ssize_t) len)
	abort();
    close(fd);
    if ((dns = doctor_dns_open(path, why)) != 0) {
	static const char *names[] = {"example.com", "_dmarc.example.com",
	"s._domainkey.example.com", "1.2.0.192.in-addr.arpa", 0};
	static const int types[] = {ns_t_txt, ns_t_a, ns_t_aaaa, ns_t_mx, ns_t_ptr, 0};

	for (int i = 0; names[i]; i++)
	    for (int t = 0; types[t]; t++)
		doctor_rr_free(doctor_dns_query(dns, names[i], types[t]));
	doctor_dns_close(dns);
    }
    unlink(path);
    buf_free(why);
    return (0);
}
