/*
 * NAME
 *	pfdb_codec 3 - explicit, versioned record encoding
 * SYNOPSIS
 *	#include "pfdb_impl.h"
 *
 *	void pfdb_enc_begin(BUF *b, int version);
 *	void pfdb_enc_str(BUF *b, const char *s);
 *	void pfdb_enc_int(BUF *b, int64_t v);
 *
 *	int pfdb_dec_begin(PFDB_DEC *d, const void *data, size_t len, int maxver);
 *	void pfdb_dec_str(PFDB_DEC *d, char *dst, size_t size);
 *	int64_t pfdb_dec_int(PFDB_DEC *d);
 *	int pfdb_dec_end(PFDB_DEC *d);
 * DESCRIPTION
 *	A record is one version byte followed by fields in a fixed order,
 *	each a length and that many bytes. The length is one byte when
 *	below 128, else two bytes, big-endian, with the top bit of the
 *	first set (so at most 32767). Strings are stored without NUL;
 *	integers as the shortest big-endian two's complement (0 to 8
 *	bytes: a time_t takes 5). Never raw structs: the layout of a C
 *	struct changes with the compiler and with every field we add.
 *	The compact form matters: a suppression record is about 30 bytes,
 *	and a million of them must stay in the cache.
 *
 *	Compatibility rules: a newer version only appends fields. A
 *	reader that finds fewer fields than it knows gets "" / 0 for the
 *	missing ones (older records); fields it does not know are
 *	ignored (newer records), so old and new programs can share one
 *	environment during an upgrade. Version 0 is never written.
 *
 *	pfdb_dec_str() truncates to the destination size (a longer value
 *	written by a newer program must not overflow an older struct).
 * DIAGNOSTICS
 *	pfdb_dec_begin() returns -1 for an empty record, version 0, or a
 *	version above maxver. Decoding a field whose length runs past
 *	the end sets d->bad; pfdb_dec_end() returns -1 then.
 */

/* System library. */
#include <string.h>

/* Project library. */
#include "buf.h"

/* Local. */
#include "pfdb_impl.h"

/* pfdb_enc_begin - start a record */

void    pfdb_enc_begin(BUF *b, int version)
{
    buf_reset(b);
    buf_putc(b, version);
}

/* pfdb_enc_field - length-prefixed bytes */

static void pfdb_enc_field(BUF *b, const void *data, size_t len)
{
    unsigned char hdr[2];

    if (len > PFDB_FIELD_MAX)
	len = PFDB_FIELD_MAX;			/* struct fields are far shorter */
    if (len < 0x80) {
	hdr[0] = (unsigned char) len;
	buf_append(b, hdr, 1);
    } else {
	hdr[0] = (unsigned char) (0x80 | (len >> 8));
	hdr[1] = (unsigned char) len;
	buf_append(b, hdr, 2);
    }
    buf_append(b, data, len);
}

/* pfdb_enc_str - a string field */

void    pfdb_enc_str(BUF *b, const char *s)
{
    pfdb_enc_field(b, s ? s : "", s ? strlen(s) : 0);
}

/* pfdb_enc_int - an integer field: shortest big-endian two's complement */

void    pfdb_enc_int(BUF *b, int64_t v)
{
    unsigned char be[8];
    uint64_t u = (uint64_t) v;
    int     start = 0;

    for (int i = 7; i >= 0; i--) {
	be[i] = (unsigned char) u;
	u >>= 8;
    }
    /* Drop leading bytes that only repeat the sign. */
    while (start < 8 && ((be[start] == 0 && (start == 7 || !(be[start + 1] & 0x80)))
			 || (be[start] == 0xff && start < 7 && (be[start + 1] & 0x80))))
	start++;
    pfdb_enc_field(b, be + start, (size_t) (8 - start));
}

/* pfdb_dec_begin - check the version byte */

int     pfdb_dec_begin(PFDB_DEC *d, const void *data, size_t len, int maxver)
{
    d->cp = data;
    d->end = d->cp + len;
    d->bad = 0;
    d->version = 0;
    if (len < 1 || d->cp[0] == 0 || d->cp[0] > maxver) {
	d->bad = 1;
	return (-1);
    }
    d->version = *d->cp++;
    return (0);
}

/* pfdb_dec_field - next field, or NULL when absent */

static const unsigned char *pfdb_dec_field(PFDB_DEC *d, size_t *len)
{
    const unsigned char *data;

    size_t  hlen;

    if (d->bad || d->cp == d->end)
	return (0);				/* older record: field absent */
    if (d->end - d->cp < ((d->cp[0] & 0x80) ? 2 : 1)) {
	d->bad = 1;
	return (0);
    }
    if (d->cp[0] < 0x80) {
	*len = d->cp[0];
	hlen = 1;
    } else {
	*len = ((size_t) (d->cp[0] & 0x7f) << 8) | d->cp[1];
	hlen = 2;
    }
    if ((size_t) (d->end - d->cp - hlen) < *len) {
	d->bad = 1;
	return (0);
    }
    data = d->cp + hlen;
    d->cp += hlen + *len;
    return (data);
}

/* pfdb_dec_str - a string field, truncated to fit */

void    pfdb_dec_str(PFDB_DEC *d, char *dst, size_t size)
{
    const unsigned char *data;
    size_t  len = 0;

    if ((data = pfdb_dec_field(d, &len)) == 0)
	len = 0;
    if (len >= size)
	len = size - 1;
    if (len)
	memcpy(dst, data, len);
    dst[len] = 0;
}

/* pfdb_dec_int - an integer field */

int64_t pfdb_dec_int(PFDB_DEC *d)
{
    const unsigned char *data;
    size_t  len = 0;
    uint64_t u;

    if ((data = pfdb_dec_field(d, &len)) == 0 || len == 0)
	return (0);
    if (len > 8) {
	d->bad = 1;
	return (0);
    }
    u = (data[0] & 0x80) ? ~(uint64_t) 0 : 0;	/* sign extension */
    for (size_t i = 0; i < len; i++)
	u = (u << 8) | data[i];
    return ((int64_t) u);
}

/* pfdb_dec_end - was everything well-formed? */

int     pfdb_dec_end(PFDB_DEC *d)
{
    return (d->bad ? -1 : 0);
}
