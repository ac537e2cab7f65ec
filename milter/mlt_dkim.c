/*
 * NAME
 *	mlt_dkim 3 - DKIM signatures of the final message (libopendkim)
 * DESCRIPTION
 *	See mlt_dkim.h. The milter has the final header block and body
 *	itself (after merging), so it signs here, in one pass over data
 *	that is already in memory, instead of asking Postfix for another
 *	round trip. Keys are read and checked once; libopendkim gets the
 *	PEM bytes from memory for each message.
 *
 *	Two engines sign: "openssl" (mlt_dkimsig, the default: the key is
 *	parsed once) and "libopendkim" (dkim_sign ... dkim_getsighdr_d;
 *	libopendkim 2.11 decodes the key again for every signature and
 *	leaks on ed25519, see mlt_dkimsig.c). Both produce the same
 *	relaxed/relaxed signatures over the same header list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <opendkim/dkim.h>

#include "log.h"
#include "mem.h"
#include "buf.h"
#include "keytab.h"

#include "mlt_mime.h"
#include "mlt_dkimsig.h"
#include "mlt_dkim.h"

typedef struct MLT_KEY {
    char   *domain;
    char   *selector;
    char   *file;
    int     alg;			/* DKIM_SIGN_* */
    unsigned char *pem;			/* for libopendkim */
    size_t  len;
    EVP_PKEY *pkey;			/* for mlt_dkimsig, parsed once */
} MLT_KEY;

static MLT_KEY *mlt_keys;
static int mlt_key_count;
static DKIM_LIB *mlt_dkim_lib;
static int mlt_engine_openssl = 1;

/*
 * Signed headers: what a recipient sees plus RFC 8058's pair. From is
 * oversigned (listed once more than it occurs) so that nobody can add
 * a second From to a signed message.
 */
static const char *mlt_sign_hdrs[] = {
    "from", "to", "cc", "subject", "date", "message-id", "reply-to",
    "sender", "mime-version", "content-type", "content-transfer-encoding",
    "list-unsubscribe", "list-unsubscribe-post", "list-id", "feedback-id",
    "in-reply-to", "references", 0,
};
static const char *mlt_oversign_hdrs[] = {"from", 0};

/* mlt_key_read - read and check one key file */

static int mlt_key_read(MLT_KEY *key, BUF *why)
{
    FILE   *fp;
    BUF    *data = buf_alloc(4096);
    char    chunk[4096];
    size_t  n;
    BIO    *bio;
    EVP_PKEY *pkey;

    if ((fp = fopen(key->file, "r")) == 0) {
	buf_sprintf(why, "DKIM key file %s: %s", key->file, strerror(errno));
	buf_free(data);
	return (-1);
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
	buf_append(data, chunk, n);
    fclose(fp);
    bio = BIO_new_mem_buf(buf_str(data), (int) buf_len(data));
    pkey = PEM_read_bio_PrivateKey(bio, 0, 0, 0);
    BIO_free(bio);
    if (pkey == 0) {
	buf_sprintf(why, "DKIM key file %s: not a PEM private key", key->file);
	buf_free(data);
	return (-1);
    }
    switch (EVP_PKEY_base_id(pkey)) {
    case EVP_PKEY_RSA:
	if (EVP_PKEY_bits(pkey) < 1024) {
	    buf_sprintf(why, "DKIM key file %s: RSA key of %d bits is too short",
			key->file, EVP_PKEY_bits(pkey));
	    goto bad;
	}
	key->alg = DKIM_SIGN_RSASHA256;
	break;
    case EVP_PKEY_ED25519:
	key->alg = DKIM_SIGN_ED25519SHA256;
	break;
    default:
	buf_sprintf(why, "DKIM key file %s: neither an RSA nor an Ed25519 key",
		    key->file);
	goto bad;
    }
    key->pkey = pkey;
    key->len = buf_len(data);
    key->pem = xmalloc(key->len + 1);
    memcpy(key->pem, buf_str(data), key->len + 1);
    buf_free(data);
    return (0);

bad:
    EVP_PKEY_free(pkey);
    buf_free(data);
    return (-1);
}

/* mlt_dkim_load - read the key table and every key */

int     mlt_dkim_load(const char *table, const char *engine, BUF *why)
{
    KEYTAB *tab;
    DKIM_STAT st;

    if (engine == 0 || strcasecmp(engine, "openssl") == 0) {
	mlt_engine_openssl = 1;
    } else if (strcasecmp(engine, "libopendkim") == 0) {
	mlt_engine_openssl = 0;
    } else {
	buf_sprintf(why, "DKIM engine: expected openssl or libopendkim, not \"%s\"",
		    engine);
	return (-1);
    }
    if ((mlt_dkim_lib = dkim_init(0, 0)) == 0) {
	buf_sprintf(why, "dkim_init failed");
	return (-1);
    }
    if (dkim_libfeature(mlt_dkim_lib, DKIM_FEATURE_ED25519) == 0)
	log_warn("this libopendkim cannot sign ed25519-sha256");
    st = dkim_options(mlt_dkim_lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
		      mlt_sign_hdrs, sizeof(char **));
    if (st == DKIM_STAT_OK)
	st = dkim_options(mlt_dkim_lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
			  mlt_oversign_hdrs, sizeof(char **));
    if (st != DKIM_STAT_OK) {
	buf_sprintf(why, "libopendkim: cannot set the signed header list: %s",
		    dkim_getresultstr(st));
	return (-1);
    }
    if (table == 0 || *table == 0)
	return (0);
    if ((tab = keytab_load(table, why)) == 0)
	return (-1);
    for (size_t i = 0; i < tab->count; i++) {
	const KEYTAB_ENTRY *e = tab->ent + i;

	mlt_keys = xrealloc(mlt_keys, (mlt_key_count + 1) * sizeof(*mlt_keys));
	mlt_keys[mlt_key_count].domain = xstrdup(e->domain);
	mlt_keys[mlt_key_count].selector = xstrdup(e->selector);
	mlt_keys[mlt_key_count].file = xstrdup(e->file);
	if (mlt_key_read(mlt_keys + mlt_key_count, why) < 0) {
	    BUF    *tmp = buf_alloc(256);

	    buf_sprintf(tmp, "%s (key table %s, line %d)", buf_str(why), table, e->line);
	    buf_sprintf(why, "%s", buf_str(tmp));
	    buf_free(tmp);
	    keytab_free(tab);
	    return (-1);
	}
	if (mlt_keys[mlt_key_count].alg == DKIM_SIGN_ED25519SHA256
	    && dkim_libfeature(mlt_dkim_lib, DKIM_FEATURE_ED25519) == 0) {
	    buf_sprintf(why, "DKIM key file %s: this libopendkim cannot sign "
			"ed25519-sha256", e->file);
	    keytab_free(tab);
	    return (-1);
	}
	mlt_key_count++;
    }
    keytab_free(tab);
    return (0);
}

/* mlt_dkim_key_count - number of keys loaded */

int     mlt_dkim_key_count(void)
{
    return (mlt_key_count);
}

/* mlt_dkim_find - keys of the domain or its nearest parent */

static const char *mlt_dkim_find(const char *domain)
{
    const char *d = domain;
    int     i;

    while (d && *d) {
	for (i = 0; i < mlt_key_count; i++)
	    if (strcasecmp(mlt_keys[i].domain, d) == 0)
		return (mlt_keys[i].domain);
	d = strchr(d, '.');
	if (d)
	    d++;
	if (d && strchr(d, '.') == 0)		/* never sign for a TLD */
	    break;
    }
    return (0);
}

/* mlt_feed_header - "Name: value" with CRLF folds */

static DKIM_STAT mlt_feed_header(DKIM *dkim, const MLT_HDR *h, BUF *tmp)
{
    const char *cp;

    buf_reset(tmp);
    buf_puts(tmp, h->name);
    buf_puts(tmp, ": ");
    for (cp = h->value; *cp; cp++) {
	if (*cp == '\r')
	    continue;
	if (*cp == '\n')
	    buf_putc(tmp, '\r');
	buf_putc(tmp, *cp);
    }
    return (dkim_header(dkim, (u_char *) buf_str(tmp), buf_len(tmp)));
}

/* mlt_dkim_sign - sign with every key of the domain */

int     mlt_dkim_sign(const char *from_domain, const MLT_HDRS *hdrs,
		              const char *body, size_t len, const char *jobid,
		              MLT_HDRS *sigs, BUF *info, BUF *why)
{
    const char *domain;
    DKIM   *dkim;
    DKIM_STAT st;
    BUF    *tmp, *sig;
    unsigned char *hdr;
    size_t  hlen, i;
    int     k, count = 0;

    if (from_domain == 0 || (domain = mlt_dkim_find(from_domain)) == 0)
	return (0);
    for (i = 0; i < hdrs->count; i++)		/* RFC 6376: From is required */
	if (strcasecmp(hdrs->h[i].name, "From") == 0)
	    break;
    if (i == hdrs->count)
	return (0);
    tmp = buf_alloc(1024);
    sig = buf_alloc(1024);
    buf_sprintf(info, "d=%s s=", domain);
    if (mlt_engine_openssl) {
	unsigned char bh[32];
	time_t  now = time((time_t *) 0);

	mlt_dkimsig_bodyhash(body, len, bh);
	for (k = 0; k < mlt_key_count; k++) {
	    if (strcmp(mlt_keys[k].domain, domain) != 0)
		continue;
	    if (mlt_dkimsig_sign(mlt_keys[k].pkey, mlt_keys[k].domain,
				 mlt_keys[k].selector, mlt_sign_hdrs,
				 mlt_oversign_hdrs, hdrs, bh, now, sig, why) < 0) {
		count = -1;
		break;
	    }
	    mlt_hdrs_add(sigs, DKIM_SIGNHEADER, buf_str(sig));
	    buf_printf(info, "%s%s", count ? "," : "", mlt_keys[k].selector);
	    count++;
	}
	buf_free(tmp);
	buf_free(sig);
	return (count);
    }
    for (k = 0; k < mlt_key_count; k++) {
	if (strcmp(mlt_keys[k].domain, domain) != 0)
	    continue;
	dkim = dkim_sign(mlt_dkim_lib, (u_char *) jobid, 0,
			 (dkim_sigkey_t) mlt_keys[k].pem,
			 (u_char *) mlt_keys[k].selector,
			 (u_char *) mlt_keys[k].domain,
			 DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
			 mlt_keys[k].alg, -1L, &st);
	if (dkim == 0) {
	    buf_sprintf(why, "dkim_sign: %s", dkim_getresultstr(st));
	    count = -1;
	    break;
	}
	for (i = 0, st = DKIM_STAT_OK; st == DKIM_STAT_OK && i < hdrs->count; i++)
	    st = mlt_feed_header(dkim, hdrs->h + i, tmp);
	if (st == DKIM_STAT_OK)
	    st = dkim_eoh(dkim);
	if (st == DKIM_STAT_OK && len > 0)
	    st = dkim_body(dkim, (u_char *) body, len);
	if (st == DKIM_STAT_OK)
	    st = dkim_eom(dkim, 0);
	if (st == DKIM_STAT_OK)
	    st = dkim_getsighdr_d(dkim, strlen(DKIM_SIGNHEADER) + 2, &hdr, &hlen);
	if (st != DKIM_STAT_OK) {
	    const char *err = dkim_geterror(dkim);

	    buf_sprintf(why, "DKIM signing with %s: %s%s%s", mlt_keys[k].file,
			dkim_getresultstr(st), err ? ": " : "", err ? err : "");
	    dkim_free(dkim);
	    count = -1;
	    break;
	}
	buf_reset(sig);
	for (i = 0; i < hlen; i++)
	    if (hdr[i] != '\r')
		buf_putc(sig, hdr[i]);
	mlt_hdrs_add(sigs, DKIM_SIGNHEADER, buf_str(sig));
	dkim_free(dkim);
	buf_printf(info, "%s%s", count ? "," : "", mlt_keys[k].selector);
	count++;
    }
    buf_free(tmp);
    buf_free(sig);
    return (count);
}
