/*
 * NAME
 *	addr 3 - check and normalize e-mail addresses
 * DESCRIPTION
 *	See addr.h. Every part that keys on an address (policyd, milter,
 *	bounce-pipe, the CLI, submit) must compute the same key, or a
 *	suppression written by one would be missed by another; hence one
 *	function for all of them.
 */

/* System library. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Utility library. */
#include <idn2.h>

/* Project library. */
#include "log.h"
#include "buf.h"
#include "addr.h"

/* addr_domain - pointer to the domain part, or NULL */

const char *addr_domain(const char *addr)
{
    const char *at = strrchr(addr, '@');

    return (at ? at + 1 : 0);
}

/* addr_atext - RFC 5322 atext, plus UTF-8 octets (RFC 6531) */

static int addr_atext(unsigned char c)
{
    return (isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != 0 || c >= 0x80);
}

/* addr_check_local - dot-atom or quoted string */

static int addr_check_local(const char *lp, size_t len, BUF *why)
{
    if (len == 0) {
	buf_sprintf(why, "empty local part");
	return (-1);
    }
    if (len > 64) {
	buf_sprintf(why, "local part longer than 64 octets");
	return (-1);
    }
    if (lp[0] == '"') {
	if (len < 2 || lp[len - 1] != '"') {
	    buf_sprintf(why, "unterminated quoted local part");
	    return (-1);
	}
	for (size_t i = 1; i + 1 < len; i++) {
	    unsigned char c = (unsigned char) lp[i];

	    if (c == '\\' && i + 2 < len) {
		i++;
		continue;
	    }
	    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
		buf_sprintf(why, "bad character in quoted local part");
		return (-1);
	    }
	}
	return (0);
    }
    if (lp[0] == '.' || lp[len - 1] == '.') {
	buf_sprintf(why, "local part starts or ends with '.'");
	return (-1);
    }
    for (size_t i = 0; i < len; i++) {
	unsigned char c = (unsigned char) lp[i];

	if (c == '.') {
	    if (lp[i + 1] == '.') {
		buf_sprintf(why, "consecutive dots in local part");
		return (-1);
	    }
	    continue;
	}
	if (!addr_atext(c)) {
	    buf_sprintf(why, "bad character '%c' in local part", isprint(c) ? c : '?');
	    return (-1);
	}
    }
    return (0);
}

/* addr_check_domain - LDH labels (A-labels) or [IPv4] */

static int addr_check_domain(const char *dom, BUF *why)
{
    size_t  len = strlen(dom);
    size_t  label = 0;
    int     labels = 1;
    int     tld_alpha = 0;

    if (len == 0) {
	buf_sprintf(why, "empty domain");
	return (-1);
    }
    if (dom[0] == '[') {
	unsigned a, b, c, d;
	char    tail;

	if (sscanf(dom, "[%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 5
	    && tail == ']' && dom[len - 1] == ']' && a < 256 && b < 256
	    && c < 256 && d < 256)
	    return (0);
	buf_sprintf(why, "bad address literal \"%s\"", dom);
	return (-1);
    }
    if (len > 253) {
	buf_sprintf(why, "domain longer than 253 octets");
	return (-1);
    }
    for (size_t i = 0; i < len; i++) {
	unsigned char c = (unsigned char) dom[i];

	if (c == '.') {
	    if (label == 0) {
		buf_sprintf(why, "empty label in domain \"%s\"", dom);
		return (-1);
	    }
	    if (dom[i - 1] == '-') {
		buf_sprintf(why, "label ends with '-' in domain \"%s\"", dom);
		return (-1);
	    }
	    label = 0;
	    labels++;
	    tld_alpha = 0;
	    continue;
	}
	if (!isalnum(c) && c != '-') {
	    buf_sprintf(why, "bad character in domain \"%s\"", dom);
	    return (-1);
	}
	if (c == '-' && label == 0) {
	    buf_sprintf(why, "label starts with '-' in domain \"%s\"", dom);
	    return (-1);
	}
	if (isalpha(c))
	    tld_alpha = 1;
	if (++label > 63) {
	    buf_sprintf(why, "label longer than 63 octets in domain \"%s\"", dom);
	    return (-1);
	}
    }
    if (label == 0) {
	buf_sprintf(why, "domain \"%s\" ends with '.'", dom);
	return (-1);
    }
    if (labels < 2) {
	buf_sprintf(why, "domain \"%s\" has no dot", dom);
	return (-1);
    }
    if (!tld_alpha) {
	buf_sprintf(why, "top-level domain of \"%s\" is numeric", dom);
	return (-1);
    }
    return (0);
}

/* addr_check_syntax - practical RFC 5321 subset */

int     addr_check_syntax(const char *addr, BUF *why)
{
    const char *at = strrchr(addr, '@');

    if (at == 0) {
	buf_sprintf(why, "missing '@'");
	return (-1);
    }
    if (at != addr && addr_check_local(addr, (size_t) (at - addr), why) < 0)
	return (-1);
    if (at == addr) {
	buf_sprintf(why, "empty local part");
	return (-1);
    }
    return (addr_check_domain(at + 1, why));
}

/* addr_normalize - the storage key of an address */

int     addr_normalize(const char *in, int flags, BUF *out, BUF *why)
{
    const char *start = in;
    const char *end;
    const char *at;
    size_t  llen;
    char   *ascii = 0;
    char    dom[512];
    int     rc;

    while (isspace((unsigned char) *start))
	start++;
    end = start + strlen(start);
    while (end > start && isspace((unsigned char) end[-1]))
	end--;
    if (end - start >= 2 && *start == '<' && end[-1] == '>') {
	start++;
	end--;
    }
    if (end - start > 512) {
	buf_sprintf(why, "address longer than 512 octets");
	return (-1);
    }
    for (at = end; at > start && at[-1] != '@'; at--)
	 /* void */ ;
    if (at == start) {
	buf_sprintf(why, "missing '@'");
	return (-1);
    }
    at--;
    llen = (size_t) (at - start);
    if ((size_t) (end - at - 1) >= sizeof(dom)) {
	buf_sprintf(why, "domain too long");
	return (-1);
    }
    memcpy(dom, at + 1, (size_t) (end - at - 1));
    dom[end - at - 1] = 0;
    if (dom[0] && dom[strlen(dom) - 1] == '.')	/* "naver.com." */
	dom[strlen(dom) - 1] = 0;

    /* Domain: IDN to A-label, lowercase. */
    if (dom[0] == '[') {
	ascii = strdup(dom);
    } else {
	rc = idn2_to_ascii_8z(dom, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK)
	    rc = idn2_to_ascii_8z(dom, &ascii, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
	    buf_sprintf(why, "bad domain \"%s\": %s", dom, idn2_strerror(rc));
	    return (-1);
	}
    }
    for (char *cp = ascii; *cp; cp++)
	*cp = (char) tolower((unsigned char) *cp);

    buf_reset(out);
    if (llen > 0) {
	size_t  keep = llen;

	if ((flags & ADDR_STRIP_TAG) && *start != '"') {
	    const char *plus = memchr(start, '+', llen);

	    if (plus && plus > start)
		keep = (size_t) (plus - start);
	}
	for (size_t i = 0; i < keep; i++) {
	    int     c = (unsigned char) start[i];

	    buf_putc(out, (flags & ADDR_FOLD_LOCAL) && c < 0x80 ? tolower(c) : c);
	}
    }
    buf_putc(out, '@');
    buf_puts(out, ascii);
    free(ascii);
    if (llen == 0) {				/* "@domain" key */
	if (addr_check_domain(buf_str(out) + 1, why) < 0)
	    return (-1);
	return (0);
    }
    return (addr_check_syntax(buf_str(out), why));
}
