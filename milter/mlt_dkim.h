#ifndef PF_MLT_DKIM_H
#define PF_MLT_DKIM_H

/*
 * NAME
 *	mlt_dkim 3 - DKIM signatures of the final message (libopendkim)
 * SYNOPSIS
 *	#include "mlt_dkim.h"
 *	int mlt_dkim_load(const char *key_table, const char *engine, BUF *why);
 *	int mlt_dkim_sign(const char *from_domain, const MLT_HDRS *hdrs,
 *			  const char *body, size_t len, const char *jobid,
 *			  MLT_HDRS *sigs, BUF *info, BUF *why);
 *	int mlt_dkim_key_count(void);
 * DESCRIPTION
 *	mlt_dkim_load() reads the key table once, at start-up: one line
 *	per key, "DOMAIN SELECTOR KEYFILE"; "#" starts a comment. Each
 *	key file is read and checked with OpenSSL: an RSA key (at least
 *	1024 bits) signs rsa-sha256, an Ed25519 key signs ed25519-sha256
 *	(RFC 8463). Several lines for one domain give several signatures
 *	(dual rsa + ed25519). An empty table name means no signing.
 *	engine is "openssl" (mlt_dkimsig(3), keys parsed once; default)
 *	or "libopendkim" (dkim_sign() and friends).
 *
 *	mlt_dkim_sign() signs with every key of the From domain, or, when
 *	it has none, of its nearest parent domain that has keys. hdrs is
 *	the final header block in order (values may be folded with "\n "),
 *	body the final body with CRLF line ends. Canonicalization is
 *	relaxed/relaxed; From is oversigned; the signed headers include
 *	List-Unsubscribe and List-Unsubscribe-Post. One DKIM-Signature
 *	per key is appended to sigs (value folded with "\n\t"); info gets
 *	"d=DOMAIN s=SEL,SEL2".
 * DIAGNOSTICS
 *	mlt_dkim_load() returns -1 naming the table or key file and line.
 *	mlt_dkim_sign() returns the number of signatures (0 = no key for
 *	that domain, or no From header) or -1 with a reason from the engine.
 */
#include "buf.h"
#include "mlt_mime.h"

int     mlt_dkim_load(const char *, const char *, BUF *);
int     mlt_dkim_sign(const char *, const MLT_HDRS *, const char *, size_t,
		              const char *, MLT_HDRS *, BUF *, BUF *);
int     mlt_dkim_key_count(void);

#endif
