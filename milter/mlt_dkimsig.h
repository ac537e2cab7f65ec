#ifndef PF_MLT_DKIMSIG_H
#define PF_MLT_DKIMSIG_H

/*
 * NAME
 *	mlt_dkimsig 3 - DKIM relaxed/relaxed signatures with keys parsed once
 * SYNOPSIS
 *	#include "mlt_dkimsig.h"
 *	void mlt_dkimsig_bodyhash(const char *body, size_t len,
 *				  unsigned char hash[32]);
 *	int mlt_dkimsig_sign(EVP_PKEY *key, const char *domain,
 *			     const char *selector, const char **sign_hdrs,
 *			     const char **oversign, const MLT_HDRS *hdrs,
 *			     const unsigned char bodyhash[32], time_t now,
 *			     BUF *value, BUF *why);
 * DESCRIPTION
 *	RFC 6376 signing with relaxed header and body canonicalization,
 *	rsa-sha256 for an RSA key and ed25519-sha256 (RFC 8463) for an
 *	Ed25519 key. The key is an OpenSSL key loaded once at start-up.
 *
 *	mlt_dkimsig_bodyhash() computes bh= once per message: both
 *	signatures of a dual-signed message share it.
 *
 *	mlt_dkimsig_sign() signs every header of hdrs (in order, values
 *	possibly folded with "\n") whose name is in sign_hdrs, each
 *	occurrence once, and names in oversign once more (so that no
 *	instance can be added later). value receives the DKIM-Signature
 *	header value, folded with "\n\t".
 * DIAGNOSTICS
 *	mlt_dkimsig_sign() returns 0, or -1 with the OpenSSL reason in why.
 */
#include <time.h>

#include <openssl/evp.h>

#include "buf.h"
#include "mlt_mime.h"

void    mlt_dkimsig_bodyhash(const char *, size_t, unsigned char *);
int     mlt_dkimsig_sign(EVP_PKEY *, const char *, const char *, const char **,
			         const char **, const MLT_HDRS *, const unsigned char *,
			         time_t, BUF *, BUF *);

#endif
