#ifndef PF_DOCTOR_DKIM_H
#define PF_DOCTOR_DKIM_H

/*
 * NAME
 *	doctor_dkim 3 - DKIM keys: private key file vs. published record
 * SYNOPSIS
 *	#include "doctor_dkim.h"
 *
 *	int doctor_dkim_key(const char *path, DOCTOR_KEY *key, BUF *why);
 *	int doctor_dkim_record(const char *txt, DOCTOR_KEY *pub, BUF *why);
 *	void doctor_dkim_txt(const DOCTOR_KEY *key, const char *owner,
 *			     BUF *out);
 *	void doctor_key_free(DOCTOR_KEY *key);
 * DESCRIPTION
 *	doctor_dkim_key() reads a PEM private key (RSA in PKCS#1 or PKCS#8
 *	form, or Ed25519 in PKCS#8, as opendkim-genkey and openssl genpkey
 *	write them) and fills in its DKIM public key: for RSA the
 *	base64 SubjectPublicKeyInfo, for Ed25519 the base64 raw 32-byte
 *	key (RFC 8463), the "k=" name and the key length in bits.
 *
 *	doctor_dkim_record() parses a published DKIM TXT record (tags
 *	v=, k=, p=; RFC 6376 3.6.1) into the same form. An empty p= is a
 *	revoked key.
 *
 *	The two keys match when k and the base64 text of p are equal
 *	(the encoding is canonical: same key, same text).
 *
 *	doctor_dkim_txt() writes the zone-file record to publish for key
 *	at owner, the data split into quoted strings of at most 255
 *	bytes (one DNS character-string each).
 * DIAGNOSTICS
 *	-1 with the file or the record's problem in why.
 */
#include "buf.h"

typedef struct DOCTOR_KEY {
    char    k[16];			/* "rsa" or "ed25519" */
    char   *p;				/* base64 public key ("" = revoked) */
    int     bits;			/* key length, 0 if unknown */
} DOCTOR_KEY;

int     doctor_dkim_key(const char *, DOCTOR_KEY *, BUF *);
int     doctor_dkim_record(const char *, DOCTOR_KEY *, BUF *);
void    doctor_dkim_txt(const DOCTOR_KEY *, const char *, BUF *);
void    doctor_key_free(DOCTOR_KEY *);

#endif
