/*
 * NAME
 *	csv_list 3 - stream a CSV/TSV member list as UTF-8 records
 * SYNOPSIS
 *	#include "csv_list.h"
 * DESCRIPTION
 *	See csv_list.h. Layers: raw octets -> (detection) -> iconv to
 *	UTF-8 -> libcsv -> record assembly -> fn. Only the detection
 *	window (64 KiB) and the current record are held in memory.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Utility library. */
#include <csv.h>

/* Project library. */
#include "log.h"
#include "mem.h"
#include "buf.h"

/* Application-specific. */
#include "csv_list.h"

#define SUB_DETECT_WINDOW 65536

struct SUB_LIST {
    char    encoding[64];		/* decided encoding, "" = undecided */
    int     delim;			/* 0 = undecided */
    int     decided;
    BUF    *pending;			/* detection window */
    iconv_t cd;				/* (iconv_t) -1 for UTF-8 */
    char    carry[16];			/* incomplete multibyte sequence */
    size_t  carry_len;
    struct csv_parser csv;
    int     csv_ready;
    BUF    *rec;			/* fields, NUL-separated */
    size_t  off[SUB_LIST_MAX_FIELDS];
    int     nfield;
    int     too_big;
    long    number;
    off_t   bytes_in;
    int     stop;			/* fn said stop */
    SUB_LIST_FN fn;
    void   *ctx;
};

/* sub_list_create - a reader */

SUB_LIST *sub_list_create(const char *encoding, int delim)
{
    SUB_LIST *l = xcalloc(1, sizeof(*l));

    if (encoding && *encoding && strcasecmp(encoding, "auto") != 0)
	snprintf(l->encoding, sizeof(l->encoding), "%s", encoding);
    l->delim = delim;
    l->pending = buf_alloc(1024);
    l->rec = buf_alloc(1024);
    l->cd = (iconv_t) - 1;
    return (l);
}

/* sub_list_encoding - what was used */

const char *sub_list_encoding(SUB_LIST *l)
{
    return (l->encoding[0] ? l->encoding : "auto");
}

/* sub_list_bytes_in - raw octets consumed so far (progress) */

off_t   sub_list_bytes_in(SUB_LIST *l)
{
    return (l->bytes_in);
}

/* sub_list_utf8_ok - valid UTF-8? partial tail allowed if not at_end */

static int sub_list_utf8_ok(const unsigned char *s, size_t len, int at_end)
{
    size_t  i = 0;

    while (i < len) {
	unsigned char c = s[i];
	size_t  n;

	if (c < 0x80) {
	    i++;
	    continue;
	}
	if (c >= 0xC2 && c <= 0xDF)
	    n = 1;
	else if (c >= 0xE0 && c <= 0xEF)
	    n = 2;
	else if (c >= 0xF0 && c <= 0xF4)
	    n = 3;
	else
	    return (0);
	if (i + n >= len) {			/* sequence runs past the end */
	    if (at_end)
		return (0);
	    for (size_t k = i + 1; k < len; k++)
		if ((s[k] & 0xC0) != 0x80)
		    return (0);
	    return (1);
	}
	for (size_t k = 1; k <= n; k++)
	    if ((s[i + k] & 0xC0) != 0x80)
		return (0);
	if (c == 0xE0 && s[i + 1] < 0xA0)
	    return (0);
	if (c == 0xED && s[i + 1] >= 0xA0)
	    return (0);
	if (c == 0xF0 && s[i + 1] < 0x90)
	    return (0);
	if (c == 0xF4 && s[i + 1] >= 0x90)
	    return (0);
	i += n + 1;
    }
    return (1);
}

/* sub_list_space - only blanks are "space" (TAB may be the delimiter) */

static int sub_list_space(unsigned char c)
{
    return (c == ' ');
}

/* sub_list_field - libcsv field callback */

static void sub_list_field(void *data, size_t len, void *ctx)
{
    SUB_LIST *l = ctx;
    const char *s = data ? data : "";

    if (l->nfield >= SUB_LIST_MAX_FIELDS
	|| buf_len(l->rec) + len + 1 > SUB_LIST_MAX_RECORD) {
	l->too_big = 1;
	return;
    }
    /* Trim ASCII white space; Unicode spaces are typo.c's business. */
    while (len && isspace((unsigned char) *s))
	s++, len--;
    while (len && isspace((unsigned char) s[len - 1]))
	len--;
    l->off[l->nfield++] = buf_len(l->rec);
    buf_append(l->rec, s, len);
    buf_putc(l->rec, 0);
}

/* sub_list_row - libcsv end-of-record callback */

static void sub_list_row(int term, void *ctx)
{
    SUB_LIST *l = ctx;
    char   *ptrs[SUB_LIST_MAX_FIELDS];
    SUB_REC rec;

    if (l->stop) {
	l->nfield = 0;
	buf_reset(l->rec);
	return;
    }
    l->number++;
    rec.number = l->number;
    rec.error = 0;
    rec.nfield = l->nfield;
    rec.field = ptrs;
    for (int i = 0; i < l->nfield; i++)
	ptrs[i] = buf_str(l->rec) + l->off[i];
    if (l->too_big) {
	rec.error = "record too long (more than 1 MiB or 1000 fields)";
	rec.nfield = 0;
    } else if (!sub_list_utf8_ok((unsigned char *) buf_str(l->rec), buf_len(l->rec), 1)) {
	rec.error = "not valid UTF-8 (wrong --encoding?)";
    }
    if (l->fn(l->ctx, &rec) < 0)
	l->stop = 1;
    l->nfield = 0;
    l->too_big = 0;
    buf_reset(l->rec);
}

/* sub_list_csv - hand UTF-8 text to libcsv */

static int sub_list_csv(SUB_LIST *l, const char *s, size_t len, BUF *why)
{
    if (len == 0)
	return (0);
    if (csv_parse(&l->csv, s, len, sub_list_field, sub_list_row, l) != len) {
	buf_sprintf(why, "CSV parser: %s", csv_strerror(csv_error(&l->csv)));
	return (-1);
    }
    if (l->stop) {
	buf_sprintf(why, "stopped");
	return (-1);
    }
    return (0);
}

/* sub_list_convert - iconv to UTF-8, keeping incomplete sequences */

static int sub_list_convert(SUB_LIST *l, const char *data, size_t len, BUF *why)
{
    char    in[8192 + sizeof(l->carry)];
    char    out[4 * sizeof(in)];

    if (l->cd == (iconv_t) - 1)
	return (sub_list_csv(l, data, len, why));
    while (len > 0) {
	size_t  take = len < 8192 ? len : 8192;
	char   *ip = in, *op = out;
	size_t  il, ol = sizeof(out);

	memcpy(in, l->carry, l->carry_len);
	memcpy(in + l->carry_len, data, take);
	il = l->carry_len + take;
	l->carry_len = 0;
	data += take;
	len -= take;
	while (il > 0) {
	    if (iconv(l->cd, &ip, &il, &op, &ol) != (size_t) -1)
		break;
	    if (errno == EINVAL && il < sizeof(l->carry)) {
		/* Incomplete sequence at the chunk end: keep it for later. */
		memcpy(l->carry, ip, il);
		l->carry_len = il;
		break;
	    } else if (errno == EILSEQ || errno == EINVAL) {	/* bad octet: U+FFFD */
		if (ol < 3)
		    break;
		memcpy(op, "\xef\xbf\xbd", 3);
		op += 3;
		ol -= 3;
		ip++;
		il--;
	    } else if (errno == E2BIG) {
		if (sub_list_csv(l, out, (size_t) (op - out), why) < 0)
		    return (-1);
		op = out;
		ol = sizeof(out);
	    } else {
		buf_sprintf(why, "iconv: %s", strerror(errno));
		return (-1);
	    }
	}
	if (sub_list_csv(l, out, (size_t) (op - out), why) < 0)
	    return (-1);
    }
    return (0);
}

/* sub_list_decide - encoding and delimiter from the window */

static int sub_list_decide(SUB_LIST *l, int at_end, BUF *why)
{
    const unsigned char *s = (const unsigned char *) buf_str(l->pending);
    size_t  len = buf_len(l->pending);
    size_t  skip = 0;

    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
	skip = 3;
	if (!l->encoding[0])
	    strcpy(l->encoding, "UTF-8");
    } else if (!l->encoding[0] && len >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
	strcpy(l->encoding, "UTF-16LE");
	skip = 2;
    } else if (!l->encoding[0] && len >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
	strcpy(l->encoding, "UTF-16BE");
	skip = 2;
    }
    if (!l->encoding[0])
	strcpy(l->encoding, sub_list_utf8_ok(s, len, at_end) ? "UTF-8" : "CP949");
    if (strcasecmp(l->encoding, "UTF-8") != 0 && strcasecmp(l->encoding, "UTF8") != 0) {
	if ((l->cd = iconv_open("UTF-8", l->encoding)) == (iconv_t) - 1) {
	    buf_sprintf(why, "unknown encoding \"%s\" (see iconv -l)", l->encoding);
	    return (-1);
	}
    }
    if (l->delim == 0) {
	int     comma = 0, tab = 0, semi = 0;
	size_t  step = l->cd == (iconv_t) - 1 || strncasecmp(l->encoding, "UTF-16", 6)
	? 1 : 2;

	/* ASCII delimiters look the same in UTF-8, CP949 and (stepped) UTF-16. */
	for (size_t i = skip; i < len && s[i] != '\n'; i += step) {
	    comma += s[i] == ',';
	    tab += s[i] == '\t';
	    semi += s[i] == ';';
	}
	l->delim = tab > comma && tab >= semi ? '\t' : semi > comma ? ';' : ',';
    }
    if (csv_init(&l->csv, CSV_APPEND_NULL) != 0) {
	buf_sprintf(why, "csv_init failed");
	return (-1);
    }
    csv_set_delim(&l->csv, (unsigned char) l->delim);
    csv_set_space_func(&l->csv, sub_list_space);
    l->csv_ready = 1;
    l->decided = 1;
    return (sub_list_convert(l, (const char *) s + skip, len - skip, why));
}

/* sub_list_feed - more raw octets */

int     sub_list_feed(SUB_LIST *l, const char *data, size_t len, SUB_LIST_FN fn,
		              void *ctx, BUF *why)
{
    l->fn = fn;
    l->ctx = ctx;
    l->bytes_in += (off_t) len;
    if (!l->decided) {
	buf_append(l->pending, data, len);
	if (buf_len(l->pending) < SUB_DETECT_WINDOW)
	    return (0);
	return (sub_list_decide(l, 0, why));
    }
    return (sub_list_convert(l, data, len, why));
}

/* sub_list_finish - end of input */

int     sub_list_finish(SUB_LIST *l, SUB_LIST_FN fn, void *ctx, BUF *why)
{
    l->fn = fn;
    l->ctx = ctx;
    if (!l->decided && sub_list_decide(l, 1, why) < 0)
	return (-1);
    if (l->carry_len) {			/* truncated multibyte at EOF */
	l->carry_len = 0;
	if (sub_list_csv(l, "\xef\xbf\xbd", 3, why) < 0)
	    return (-1);
    }
    if (csv_fini(&l->csv, sub_list_field, sub_list_row, l) != 0) {
	buf_sprintf(why, "CSV parser: %s", csv_strerror(csv_error(&l->csv)));
	return (-1);
    }
    if (l->stop) {
	buf_sprintf(why, "stopped");
	return (-1);
    }
    return (0);
}

/* sub_list_file - read a whole file ("-" = stdin) */

int     sub_list_file(SUB_LIST *l, const char *path, SUB_LIST_FN fn, void *ctx,
		              BUF *why)
{
    int     fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    char    chunk[65536];
    ssize_t n;
    int     ret = 0;

    if (fd < 0) {
	buf_sprintf(why, "open %s: %s", path, strerror(errno));
	return (-1);
    }
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
	if (n < 0 && errno == EINTR)
	    continue;
	if (n < 0) {
	    buf_sprintf(why, "read %s: %s", path, strerror(errno));
	    ret = -1;
	    break;
	}
	if (sub_list_feed(l, chunk, (size_t) n, fn, ctx, why) < 0) {
	    ret = -1;
	    break;
	}
    }
    if (ret == 0)
	ret = sub_list_finish(l, fn, ctx, why);
    if (fd != 0)
	close(fd);
    return (ret);
}

/* sub_list_free - release */

void    sub_list_free(SUB_LIST *l)
{
    if (l->csv_ready)
	csv_free(&l->csv);
    if (l->cd != (iconv_t) - 1)
	iconv_close(l->cd);
    buf_free(l->pending);
    buf_free(l->rec);
    free(l);
}
