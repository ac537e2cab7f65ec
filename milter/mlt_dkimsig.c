/*
 * NAME
 *	mlt_dkimsig 3 - DKIM relaxed/relaxed signatures with keys parsed once
 * DESCRIPTION
 *	See mlt_dkimsig.h. Why not libopendkim here: libopendkim 2.11 takes
 *	the key as PEM text and decodes it again for every signature; with
 *	OpenSSL 3.0 that decode plus the legacy RSA conversion costs about
 *	0.55 ms of its 0.78 ms per rsa-2048 signature (measured here), and
 *	its ed25519 path leaks about 0.5 KB per signature (seen with ASan:
 *	dkim_privkey_load). This signer keeps the EVP_PKEY from start-up;
 *	every signature is checked in the tests by an independent verifier
 *	(dkimpy), and libopendkim remains available (milter_dkim_engine).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/err.h>

#include "mem.h"
#include "buf.h"

#include "mlt_mime.h"
#include "mlt_dkimsig.h"

#define MLT_WSP(c) ((c) == ' ' || (c) == '\t')

/* mlt_body_line - canonicalize one body line (relaxed), without CRLF */

static void mlt_body_line(const char *line, size_t len, BUF *out)
{
    size_t  i;
    int     space = 0;

    buf_reset(out);
    for (i = 0; i < len; i++) {
	if (MLT_WSP(line[i])) {
	    space = 1;
	    continue;
	}
	if (space)
	    buf_putc(out, ' ');
	space = 0;
	buf_putc(out, line[i]);
    }
    /* trailing white space is dropped: space is never flushed */
}

/* mlt_dkimsig_bodyhash - relaxed body hash */

void    mlt_dkimsig_bodyhash(const char *body, size_t len, unsigned char *hash)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    BUF    *line = buf_alloc(1024);
    size_t  pos = 0, end, empty = 0;
    unsigned int hlen;

    EVP_DigestInit_ex(md, EVP_sha256(), 0);
    while (pos < len) {
	const char *nl = memchr(body + pos, '\n', len - pos);

	end = nl ? (size_t) (nl - body) : len;
	mlt_body_line(body + pos, end > pos && body[end - 1] == '\r' && nl ?
		      end - pos - 1 : end - pos, line);
	if (buf_len(line) == 0) {
	    empty++;
	} else {
	    for (; empty > 0; empty--)
		EVP_DigestUpdate(md, "\r\n", 2);
	    EVP_DigestUpdate(md, buf_str(line), buf_len(line));
	    EVP_DigestUpdate(md, "\r\n", 2);
	}
	pos = nl ? end + 1 : len;
    }
    /* Empty lines at the end are ignored; an empty body hashes "". */
    EVP_DigestFinal_ex(md, hash, &hlen);
    EVP_MD_CTX_free(md);
    buf_free(line);
}

/* mlt_hdr_canon - relaxed "name:value\r\n" (crlf = 0: without CRLF) */

static void mlt_hdr_canon(const char *name, const char *value, int crlf, BUF *out)
{
    const char *cp;
    int     space = 0, started = 0;

    for (cp = name; *cp; cp++)
	buf_putc(out, (*cp >= 'A' && *cp <= 'Z') ? *cp + 'a' - 'A' : *cp);
    buf_putc(out, ':');
    for (cp = value; *cp; cp++) {
	if (*cp == '\r' || *cp == '\n')
	    continue;
	if (MLT_WSP(*cp)) {
	    space = 1;
	    continue;
	}
	if (space && started)
	    buf_putc(out, ' ');
	space = 0;
	started = 1;
	buf_putc(out, *cp);
    }
    if (crlf)
	buf_puts(out, "\r\n");
}

/* mlt_in_list - case-insensitive membership */

static int mlt_in_list(const char **list, const char *name)
{
    for (; list && *list; list++)
	if (strcasecmp(*list, name) == 0)
	    return (1);
    return (0);
}

/* mlt_b64 - append base64 without line breaks */

static void mlt_b64(const unsigned char *data, size_t len, BUF *out)
{
    unsigned char *tmp = xmalloc(4 * ((len + 2) / 3) + 1);
    int     n = EVP_EncodeBlock(tmp, data, (int) len);

    buf_append(out, tmp, n);
    free(tmp);
}

/* mlt_ssl_error - OpenSSL's reason */

static void mlt_ssl_error(const char *what, BUF *why)
{
    char    err[256];
    unsigned long e = ERR_get_error();

    ERR_error_string_n(e, err, sizeof(err));
    buf_sprintf(why, "%s: %s", what, e ? err : "unknown error");
    ERR_clear_error();
}

/* mlt_dkimsig_sign - one signature */

int     mlt_dkimsig_sign(EVP_PKEY *key, const char *domain, const char *selector,
			         const char **sign_hdrs, const char **oversign,
			         const MLT_HDRS *hdrs, const unsigned char *bodyhash,
			         time_t now, BUF *value, BUF *why)
{
    int     ed = (EVP_PKEY_base_id(key) == EVP_PKEY_ED25519);
    BUF    *hlist = buf_alloc(256), *data = buf_alloc(4096), *tags = buf_alloc(512);
    char   *used = calloc(hdrs->count ? hdrs->count : 1, 1);
    size_t  i, k;
    const char *cp, *name;
    unsigned char sig[1024], hash[32];
    size_t  siglen = sizeof(sig);
    unsigned int hlen;
    EVP_MD_CTX *md = 0;
    int     ret = -1;

    /*
     * h=: every signable header that is present, in message order, plus
     * the oversigned names once more.
     */
    for (i = 0; i < hdrs->count; i++) {
	if (!mlt_in_list(sign_hdrs, hdrs->h[i].name))
	    continue;
	if (buf_len(hlist))
	    buf_putc(hlist, ':');
	for (cp = hdrs->h[i].name; *cp; cp++)
	    buf_putc(hlist, (*cp >= 'A' && *cp <= 'Z') ? *cp + 'a' - 'A' : *cp);
    }
    for (; oversign && *oversign; oversign++) {
	if (buf_len(hlist))
	    buf_putc(hlist, ':');
	buf_puts(hlist, *oversign);
    }

    /*
     * Header data: for each h= name, the last unused instance from the
     * bottom; a name with no instance left contributes nothing.
     */
    for (cp = buf_str(hlist); *cp; cp += (*cp == ':')) {
	char    nm[128];

	k = strcspn(cp, ":");
	if (k >= sizeof(nm))
	    k = sizeof(nm) - 1;
	memcpy(nm, cp, k);
	nm[k] = 0;
	cp += strcspn(cp, ":");
	for (i = hdrs->count; i-- > 0;) {
	    if (!used[i] && strcasecmp(hdrs->h[i].name, nm) == 0) {
		used[i] = 1;
		mlt_hdr_canon(hdrs->h[i].name, hdrs->h[i].value, 1, data);
		break;
	    }
	}
    }

    /* The signature header itself, with an empty b=, without CRLF. */
    buf_sprintf(tags, "v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s; t=%ld; h=%s; bh=",
		ed ? "ed25519-sha256" : "rsa-sha256", domain, selector,
		(long) now, buf_str(hlist));
    mlt_b64(bodyhash, 32, tags);
    buf_puts(tags, "; b=");
    name = "DKIM-Signature";
    mlt_hdr_canon(name, buf_str(tags), 0, data);

    md = EVP_MD_CTX_new();
    if (ed) {
	/* RFC 8463: Ed25519 (pure) over the SHA-256 of the data. */
	if (!EVP_Digest(buf_str(data), buf_len(data), hash, &hlen, EVP_sha256(), 0)
	    || EVP_DigestSignInit(md, 0, 0, 0, key) != 1
	    || EVP_DigestSign(md, sig, &siglen, hash, sizeof(hash)) != 1) {
	    mlt_ssl_error("ed25519 signature", why);
	    goto done;
	}
    } else {
	if (EVP_DigestSignInit(md, 0, EVP_sha256(), 0, key) != 1
	    || EVP_DigestSign(md, 0, &siglen, (unsigned char *) buf_str(data),
			      buf_len(data)) != 1
	    || siglen > sizeof(sig)
	    || EVP_DigestSign(md, sig, &siglen, (unsigned char *) buf_str(data),
			      buf_len(data)) != 1) {
	    mlt_ssl_error("rsa-sha256 signature", why);
	    goto done;
	}
    }

    /*
     * The value, folded only where the signed text had white space (and
     * inside b=, which verifiers strip), so relaxed canonicalization
     * gives back what was signed.
     */
    buf_reset(value);
    for (cp = buf_str(tags); *cp; cp++) {
	if (cp[0] == ';' && cp[1] == ' ' && (strncmp(cp + 2, "h=", 2) == 0
					     || strncmp(cp + 2, "bh=", 3) == 0
					     || strncmp(cp + 2, "b=", 2) == 0)) {
	    buf_puts(value, ";\n\t");
	    cp++;
	    continue;
	}
	buf_putc(value, *cp);
    }
    {
	BUF    *b = buf_alloc(512);

	mlt_b64(sig, siglen, b);
	for (k = 0; k < buf_len(b); k += 64) {
	    if (k > 0)
		buf_puts(value, "\n\t ");
	    buf_append(value, buf_str(b) + k, buf_len(b) - k > 64 ? 64 : buf_len(b) - k);
	}
	buf_free(b);
    }
    ret = 0;

done:
    EVP_MD_CTX_free(md);
    free(used);
    buf_free(hlist);
    buf_free(data);
    buf_free(tags);
    return (ret);
}
