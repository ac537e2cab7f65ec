/*
 * NAME
 *	doctor_dkim 3 - DKIM keys: private key file vs. published record
 * DESCRIPTION
 *	See doctor_dkim.h. OpenSSL does the key work; libopendkim is not
 *	needed to compare two public keys, and its key check would need a
 *	whole signing handle.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "log.h"
#include "mem.h"
#include "buf.h"

#include "doctor_dkim.h"

/* dk_b64 - base64 of bytes, no line breaks */

static char *dk_b64(const unsigned char *in, int len)
{
    char   *out = xmalloc(4 * ((len + 2) / 3) + 1);

    EVP_EncodeBlock((unsigned char *) out, in, len);
    return (out);
}

/* dk_ossl_err - the last OpenSSL error as text */

static const char *dk_ossl_err(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();

    if (e == 0)
	return ("unknown OpenSSL error");
    ERR_error_string_n(e, buf, len);
    return (buf);
}

/* doctor_dkim_key - public half of a private key file */

int     doctor_dkim_key(const char *path, DOCTOR_KEY *key, BUF *why)
{
    FILE   *fp;
    EVP_PKEY *pk;
    char    ebuf[256];
    int     ret = -1;

    memset(key, 0, sizeof(*key));
    if ((fp = fopen(path, "r")) == 0) {
	buf_sprintf(why, "%s: %s", path, strerror(errno));
	return (-1);
    }
    pk = PEM_read_PrivateKey(fp, 0, 0, 0);
    fclose(fp);
    if (pk == 0) {
	buf_sprintf(why, "%s: not a PEM private key (%s)", path,
		    dk_ossl_err(ebuf, sizeof(ebuf)));
	return (-1);
    }
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:{
	    unsigned char *der = 0;
	    int     len = i2d_PUBKEY(pk, &der);

	    if (len <= 0) {
		buf_sprintf(why, "%s: cannot encode the public key (%s)", path,
			    dk_ossl_err(ebuf, sizeof(ebuf)));
		break;
	    }
	    snprintf(key->k, sizeof(key->k), "rsa");
	    key->p = dk_b64(der, len);
	    key->bits = EVP_PKEY_get_bits(pk);
	    OPENSSL_free(der);
	    ret = 0;
	    break;
	}
    case EVP_PKEY_ED25519:{
	    unsigned char raw[64];
	    size_t  len = sizeof(raw);

	    if (EVP_PKEY_get_raw_public_key(pk, raw, &len) != 1) {
		buf_sprintf(why, "%s: cannot get the Ed25519 public key (%s)", path,
			    dk_ossl_err(ebuf, sizeof(ebuf)));
		break;
	    }
	    snprintf(key->k, sizeof(key->k), "ed25519");
	    key->p = dk_b64(raw, (int) len);
	    key->bits = 256;
	    ret = 0;
	    break;
	}
    default:
	buf_sprintf(why, "%s: key type %s is not a DKIM key type (rsa, ed25519)",
		    path, OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
	break;
    }
    EVP_PKEY_free(pk);
    return (ret);
}

/* dk_pub_bits - key length of a published key, 0 if it does not decode */

static int dk_pub_bits(const DOCTOR_KEY *pub)
{
    size_t  n = strlen(pub->p);
    unsigned char *der = xmalloc(n + 4);
    const unsigned char *cp = der;
    EVP_PKEY *pk;
    int     len, bits = 0;

    if (strcmp(pub->k, "ed25519") == 0) {
	len = EVP_DecodeBlock(der, (const unsigned char *) pub->p, (int) n);
	/* EVP_DecodeBlock counts the "=" padding as zero bytes. */
	bits = (len >= 32 && len <= 33) ? 256 : 0;
    } else if ((len = EVP_DecodeBlock(der, (const unsigned char *) pub->p, (int) n)) > 0) {
	if ((pk = d2i_PUBKEY(0, &cp, len)) != 0) {
	    bits = EVP_PKEY_get_bits(pk);
	    EVP_PKEY_free(pk);
	}
    }
    free(der);
    return (bits);
}

/* doctor_dkim_record - parse a published DKIM key record */

int     doctor_dkim_record(const char *txt, DOCTOR_KEY *pub, BUF *why)
{
    char   *copy = xstrdup(txt);
    char   *cp = copy;
    char   *tag;
    int     have_p = 0;
    BUF    *p = buf_alloc(512);

    memset(pub, 0, sizeof(*pub));
    snprintf(pub->k, sizeof(pub->k), "rsa");	/* RFC 6376 default */
    while ((tag = strsep(&cp, ";")) != 0) {
	char   *eq, *name, *val, *end;

	while (isspace((unsigned char) *tag))
	    tag++;
	if (*tag == 0)
	    continue;
	if ((eq = strchr(tag, '=')) == 0) {
	    buf_sprintf(why, "tag without \"=\": \"%.40s\"", tag);
	    goto bad;
	}
	*eq = 0;
	name = tag;
	val = eq + 1;
	for (end = eq; end > name && isspace((unsigned char) end[-1]); end--)
	    end[-1] = 0;
	while (isspace((unsigned char) *val))
	    val++;
	if (strcmp(name, "v") == 0 && strncmp(val, "DKIM1", 5) != 0) {
	    buf_sprintf(why, "v=%.20s, want v=DKIM1", val);
	    goto bad;
	} else if (strcmp(name, "k") == 0) {
	    for (end = val + strlen(val); end > val && isspace((unsigned char) end[-1]); end--)
		end[-1] = 0;
	    snprintf(pub->k, sizeof(pub->k), "%s", val);
	} else if (strcmp(name, "p") == 0) {
	    /* White space inside p= is allowed (folded records). */
	    for (; *val; val++)
		if (!isspace((unsigned char) *val))
		    buf_putc(p, *val);
	    have_p = 1;
	}
    }
    if (!have_p) {
	buf_sprintf(why, "no p= tag");
	goto bad;
    }
    pub->p = xstrdup(buf_str(p));
    pub->bits = *pub->p ? dk_pub_bits(pub) : 0;
    free(copy);
    buf_free(p);
    return (0);

bad:
    free(copy);
    buf_free(p);
    return (-1);
}

/* doctor_dkim_txt - the record to publish, in 255-byte strings */

void    doctor_dkim_txt(const DOCTOR_KEY *key, const char *owner, BUF *out)
{
    BUF    *data = buf_alloc(600);
    size_t  off, len;

    buf_sprintf(data, "v=DKIM1; k=%s; p=%s", key->k, key->p);
    buf_sprintf(out, "%s. IN TXT (", owner);
    for (off = 0; off < buf_len(data); off += len) {
	len = buf_len(data) - off;
	if (len > 255)
	    len = 255;
	buf_printf(out, " \"%.*s\"", (int) len, buf_str(data) + off);
    }
    buf_puts(out, " )");
    buf_free(data);
}

/* doctor_key_free - release a key's text */

void    doctor_key_free(DOCTOR_KEY *key)
{
    free(key->p);
    key->p = 0;
}
