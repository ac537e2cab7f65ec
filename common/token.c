/*
 * NAME
 *	token 3 - signed VERP tokens for return paths and unsubscribe addresses
 * DESCRIPTION
 *	See token.h. The milter makes tokens, submit makes campaign
 *	tokens, policyd and bounce-pipe verify them: one codec so they
 *	always agree. A forged bounce or unsubscribe must not verify, so
 *	the MAC is compared in constant time.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Utility library. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* Project library. */
#include "log.h"
#include "buf.h"
#include "token.h"

static const char token_b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* token_key_set - use an in-memory secret (tests, benchmarks) */

void    token_key_set(TOKEN_KEY *key, const void *secret, size_t len)
{
    if (len > sizeof(key->secret))
	len = sizeof(key->secret);
    memcpy(key->secret, secret, len);
    key->len = len;
}

/* token_key_load - read the secret once at start-up */

int     token_key_load(const char *path, TOKEN_KEY *key, BUF *why)
{
    int     fd;
    struct stat st;
    ssize_t n;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
	buf_sprintf(why, "open token key file %s: %s", path, strerror(errno));
	return (-1);
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
	buf_sprintf(why, "token key file %s: not a regular file", path);
	close(fd);
	return (-1);
    }
    if (st.st_mode & S_IROTH) {
	buf_sprintf(why, "token key file %s: readable by others (mode %03o); "
		    "chmod 640 it", path, (unsigned) (st.st_mode & 0777));
	close(fd);
	return (-1);
    }
    n = read(fd, key->secret, sizeof(key->secret));
    close(fd);
    if (n < 0) {
	buf_sprintf(why, "read token key file %s: %s", path, strerror(errno));
	return (-1);
    }
    if (n < 32) {
	buf_sprintf(why, "token key file %s: %zd bytes, need at least 32 "
		    "(make one with: head -c 32 /dev/urandom | base64 > %s)",
		    path, n, path);
	return (-1);
    }
    key->len = (size_t) n;
    return (0);
}

/* token_value_ok - may this value travel in a local part? */

int     token_value_ok(const char *v)
{
    size_t  len = strlen(v);

    if (len == 0 || len > TOKEN_VALUE_MAX)
	return (0);
    for (size_t i = 0; i < len; i++) {
	unsigned char c = (unsigned char) v[i];

	if (!(islower(c) || isdigit(c) || c == '_' || c == '-' || c == '.'))
	    return (0);
	if (c == '.' && (i == 0 || i == len - 1 || v[i + 1] == '.'))
	    return (0);
    }
    return (1);
}

/* token_mac - 16 base32 chars of HMAC-SHA256(kind "." value) */

static void token_mac(const TOKEN_KEY *key, int kind, const char *value,
		              char out[TOKEN_MAC_CHARS + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char    prefix[2] = {(char) kind, '.'};

    /* One-shot HMAC() over kind "." value in a small stack buffer. */
    unsigned char data[2 + TOKEN_VALUE_MAX + 1];
    size_t  vlen = strnlen(value, TOKEN_VALUE_MAX);

    memcpy(data, prefix, 2);
    memcpy(data + 2, value, vlen);
    HMAC(EVP_sha256(), key->secret, (int) key->len, data, 2 + vlen, md, &mdlen);

    /* 80 bits = 10 bytes = 16 base32 characters. */
    for (int i = 0; i < TOKEN_MAC_CHARS; i++) {
	int     bit = i * 5;
	int     byte = bit / 8;
	int     shift = bit % 8;
	unsigned v = ((unsigned) md[byte] << 8) | md[byte + 1];

	out[i] = token_b32[(v >> (11 - shift)) & 31];
    }
    out[TOKEN_MAC_CHARS] = 0;
}

/* token_make - K.MAC.VALUE */

void    token_make(const TOKEN_KEY *key, int kind, const char *value, BUF *out)
{
    char    mac[TOKEN_MAC_CHARS + 1];

    if (!token_value_ok(value))
	log_panic("token_make: bad token value \"%s\"", value);
    token_mac(key, kind, value, mac);
    buf_sprintf(out, "%c.%s.%s", kind, mac, value);
}

/* token_parse - verify and split a token */

int     token_parse(const TOKEN_KEY *key, const char *token, int *kind,
		            BUF *value, BUF *why)
{
    char    mac[TOKEN_MAC_CHARS + 1];
    char    lower[2 + TOKEN_MAC_CHARS + 1 + TOKEN_VALUE_MAX + 1];
    size_t  len = strlen(token);

    if (len < 2 + TOKEN_MAC_CHARS + 2 || len >= sizeof(lower)) {
	buf_sprintf(why, "token has a bad length");
	return (-1);
    }
    for (size_t i = 0; i <= len; i++)
	lower[i] = (char) tolower((unsigned char) token[i]);
    if (lower[1] != '.' || lower[2 + TOKEN_MAC_CHARS] != '.'
	|| strchr("mcu", lower[0]) == 0 || lower[0] == 0) {
	buf_sprintf(why, "token is not of the form K.MAC.VALUE");
	return (-1);
    }
    const char *val = lower + 2 + TOKEN_MAC_CHARS + 1;

    if (!token_value_ok(val)) {
	buf_sprintf(why, "token value has bad characters");
	return (-1);
    }
    token_mac(key, lower[0], val, mac);
    if (CRYPTO_memcmp(mac, lower + 2, TOKEN_MAC_CHARS) != 0) {
	buf_sprintf(why, "token signature does not verify");
	return (0);
    }
    *kind = lower[0];
    buf_sprintf(value, "%s", val);
    return (1);
}

/* token_make_address - PREFIX+TOKEN@DOMAIN */

int     token_make_address(const TOKEN_KEY *key, int kind, const char *value,
			           const char *prefix, const char *domain,
			           BUF *out)
{
    BUF    *tok;

    if (!token_value_ok(value))
	return (-1);
    tok = buf_alloc(64);
    token_make(key, kind, value, tok);
    buf_sprintf(out, "%s+%s@%s", prefix, buf_str(tok), domain);
    buf_free(tok);
    return (0);
}

/* token_from_address - the TOKEN of PREFIX+TOKEN@DOMAIN, or -1 */

int     token_from_address(const char *addr, const char *prefix, BUF *token)
{
    size_t  plen = strlen(prefix);
    const char *start = addr;
    const char *at;

    if (*start == '<')
	start++;
    if (strncasecmp(start, prefix, plen) != 0 || start[plen] != '+')
	return (-1);
    start += plen + 1;
    if ((at = strrchr(start, '@')) == 0 || at == start)
	return (-1);
    buf_reset(token);
    buf_append(token, start, (size_t) (at - start));
    return (0);
}
