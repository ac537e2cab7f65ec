/*
 * NAME
 *	bp_mimescan_test 1 - line scan against GMime (tests/bounce/mimescan.t)
 * SYNOPSIS
 *	bp_mimescan_test FILE...
 * DESCRIPTION
 *	Parses each FILE three ways with bp_mime_parse(): as in
 *	production (the line scan, bp_mimescan), without the line scan
 *	(the pre-cut before GMime), and with GMime alone on the message as
 *	it is (bp_mime_gmime_only), the reference. Compares every field of
 *	the first two with the reference: header block, report text,
 *	delivery-status, feedback-report, returned original's header
 *	block, content type and report type. Prints one line per field
 *	that differs ("not ok - FILE: way: field differs" and both values)
 *	and then "scanned N of M, differ K".
 * DIAGNOSTICS
 *	Exit status 0 when no file differs, 1 otherwise, 66 when a FILE
 *	cannot be read, 64 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "buf.h"

#include "bp_mime.h"
#include "bp_mimescan.h"

/* slurp - a file's bytes; 0 when it cannot be read */

static int slurp(const char *path, BUF *out)
{
    FILE   *fp = fopen(path, "rb");
    char    chunk[8192];
    size_t  n;

    if (fp == 0)
	return (0);
    buf_reset(out);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
	buf_append(out, chunk, n);
    fclose(fp);
    return (1);
}

/* same - compare one field, report a difference */

static int same(const char *path, const char *way, const char *field,
		        const char *a, size_t al, const char *b, size_t bl)
{
    if (al == bl && memcmp(a, b, al) == 0)
	return (1);
    printf("not ok - %s: %s: %s differs\n# %s: %.*s\n# gmime: %.*s\n", path, way, field, way,
	   (int) (al > 300 ? 300 : al), a, (int) (bl > 300 ? 300 : bl), b);
    return (0);
}

#define SAME_BUF(f) same(path, way, #f, buf_str(a->f), buf_len(a->f), buf_str(b->f), buf_len(b->f))
#define SAME_STR(f) same(path, way, #f, a->f, strlen(a->f), b->f, strlen(b->f))

/* compare - one way's result against GMime's alone */

static int compare(const char *path, const char *way, BP_MIME *a, BP_MIME *b)
{
    int     ok = 1;

    if (a == 0 || b == 0) {
	if (a != b)
	    printf("not ok - %s: %s: parsed one way only\n", path, way);
	return (a == b);
    }
    ok &= SAME_BUF(headers);
    ok &= SAME_BUF(text);
    ok &= SAME_BUF(dsn);
    ok &= SAME_BUF(arf);
    ok &= SAME_BUF(orig);
    ok &= SAME_STR(content_type);
    ok &= SAME_STR(report_type);
    return (ok);
}

/* parse - one way */

static BP_MIME *parse(BUF *data, int scan, int gmime_only)
{
    BP_MIME *m;

    bp_mimescan_enabled = scan;
    bp_mime_gmime_only = gmime_only;
    m = bp_mime_parse(buf_str(data), buf_len(data));
    bp_mimescan_enabled = 1;
    bp_mime_gmime_only = 0;
    return (m);
}

int     main(int argc, char **argv)
{
    BUF    *data = buf_alloc(65536);
    int     i, scanned = 0, differ = 0, files = 0, before;

    log_init("bp_mimescan_test", LOG_FLAG_NOSYSLOG);
    if (argc < 2) {
	fprintf(stderr, "usage: %s FILE...\n", argv[0]);
	return (EX_USAGE);
    }
    for (i = 1; i < argc; i++) {
	const char *path = argv[i];
	BP_MIME *a, *b, *ref;
	int     ok;

	if (!slurp(path, data)) {
	    fprintf(stderr, "%s: cannot read %s\n", argv[0], path);
	    return (EX_NOINPUT);
	}
	files++;
	before = bp_mimescan_count;
	a = parse(data, 1, 0);
	scanned += bp_mimescan_count > before;
	b = parse(data, 0, 0);
	ref = parse(data, 0, 1);
	ok = compare(path, "scan", a, ref);
	ok &= compare(path, "precut", b, ref);
	differ += !ok;
	bp_mime_free(a);
	bp_mime_free(b);
	bp_mime_free(ref);
    }
    printf("scanned %d of %d, differ %d\n", scanned, files, differ);
    buf_free(data);
    return (differ ? 1 : 0);
}
