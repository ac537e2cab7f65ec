#ifndef PF_TOKEN_H
#define PF_TOKEN_H

/*
 * NAME
 *	token 3 - signed VERP tokens for return paths and unsubscribe addresses
 * SYNOPSIS
 *	#include "token.h"
 *	int token_key_load(const char *path, TOKEN_KEY *key, BUF *why);
 *	void token_key_set(TOKEN_KEY *key, const void *secret, size_t len);
 *	void token_make(const TOKEN_KEY *key, int kind, const char *value,
 *			BUF *out);
 *	int token_parse(const TOKEN_KEY *key, const char *token, int *kind,
 *			BUF *value, BUF *why);
 *	int token_make_address(const TOKEN_KEY *key, int kind,
 *			const char *value, const char *prefix,
 *			const char *domain, BUF *out);
 *	int token_from_address(const char *addr, const char *prefix,
 *			BUF *token);
 *	int token_value_ok(const char *value);
 * DESCRIPTION
 *	A token is "K.MAC.VALUE": K one letter for its kind (TOKEN_MESSAGE
 *	'm' = a message id in a VERP return path, TOKEN_CAMPAIGN 'c' = a
 *	campaign name in submit's MAIL FROM, TOKEN_UNSUB 'u' = a message
 *	id in a List-Unsubscribe mailto), MAC the first 80 bits of
 *	HMAC-SHA256(key, K "." VALUE) in lowercase base32 (16 chars), and
 *	VALUE the id itself. Lowercase only, because remote MTAs and
 *	DSNs may fold the case of a local part. VALUE must match
 *	[a-z0-9_-]([a-z0-9._-]*[a-z0-9_-])? with at most 64 octets
 *	(token_value_ok).
 *
 *	An address is PREFIX "+" TOKEN "@" DOMAIN, e.g.
 *	bounce+m.k3j2...q.01hq7x@bounces.shop.co.kr.
 *
 *	The key file holds at least 32 bytes of secret (any bytes; a
 *	trailing newline is part of the secret). It must not be readable
 *	by others than its owner and group.
 * DIAGNOSTICS
 *	token_parse returns 1 = valid, 0 = well-formed but bad MAC
 *	(forged or another key), -1 = malformed; why says which.
 *	token_key_load returns -1 naming the file when it cannot be used.
 */
#include <stddef.h>

#include "buf.h"

#define TOKEN_MESSAGE	'm'
#define TOKEN_CAMPAIGN	'c'
#define TOKEN_UNSUB	'u'

#define TOKEN_MAC_CHARS	16
#define TOKEN_VALUE_MAX	64

typedef struct TOKEN_KEY {
    unsigned char secret[256];
    size_t  len;
} TOKEN_KEY;

int     token_key_load(const char *, TOKEN_KEY *, BUF *);
void    token_key_set(TOKEN_KEY *, const void *, size_t);
int     token_value_ok(const char *);
void    token_make(const TOKEN_KEY *, int, const char *, BUF *);
int     token_parse(const TOKEN_KEY *, const char *, int *, BUF *, BUF *);
int     token_make_address(const TOKEN_KEY *, int, const char *, const char *,
			           const char *, BUF *);
int     token_from_address(const char *, const char *, BUF *);

#endif
