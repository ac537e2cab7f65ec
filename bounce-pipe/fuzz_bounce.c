/*
 * NAME
 *	fuzz_bounce - libFuzzer target for the MIME / DSN / classifier path
 * SYNOPSIS
 *	make fuzz-bounce (in a copy of the tree), then
 *	bounce-pipe/fuzz_bounce -max_total_time=600 CORPUS_DIR
 * DESCRIPTION
 *	Feeds arbitrary bytes to bp_classify() (GMime parse, MIME walk,
 *	charset conversion, delivery-status and feedback-report parsing,
 *	text scraping, reason patterns) and, separately, to the
 *	delivery-status field parser and the Postfix log line parser on
 *	their own. Differential: every input is also parsed with the line
 *	scan (bp_mimescan), with the pre-cut before GMime, and by GMime
 *	alone on the message as it is; the first two must give the third's
 *	result field by field, else the target aborts. Inputs that GMime
 *	itself reads differently with a shorter header block (its 4 KB
 *	read buffer) are not compared. Built with
 *	-fsanitize=fuzzer,address,undefined.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "log.h"
#include "buf.h"

#include "bp_report.h"
#include "bp_dsn.h"
#include "bp_classify.h"
#include "bp_mime.h"
#include "bp_mimescan.h"

/* fuzz_same - a field of both results; abort when they differ */

static void fuzz_same(const char *way, const char *field, const char *a, size_t al,
		              const char *b, size_t bl)
{
    if (al != bl || memcmp(a, b, al) != 0) {
	fprintf(stderr, "%s and GMime alone differ in %s:\n%s:  %.*s\ngmime: %.*s\n",
		way, field, way, (int) al, a, (int) bl, b);
	abort();
    }
}

/* fuzz_parse - one way of bp_mime_parse() */

static BP_MIME *fuzz_parse(const char *data, size_t size, int scan, int gmime_only)
{
    BP_MIME *m;

    bp_mimescan_enabled = scan;
    bp_mime_gmime_only = gmime_only;
    m = bp_mime_parse(data, size);
    bp_mimescan_enabled = 1;
    bp_mime_gmime_only = 0;
    return (m);
}

/* fuzz_compare - one way's result against GMime's alone */

static void fuzz_compare(const char *way, BP_MIME *a, BP_MIME *b)
{
    if (a == 0 || b == 0) {
	if (a != b)
	    fuzz_same(way, "parse result", a ? "message" : "none", a ? 7 : 4,
		      b ? "message" : "none", b ? 7 : 4);
	return;
    }
#define FUZZ_BUF(f) fuzz_same(way, #f, a->f->data, a->f->len, b->f->data, b->f->len)
#define FUZZ_STR(f) fuzz_same(way, #f, a->f, strlen(a->f), b->f, strlen(b->f))
    FUZZ_BUF(headers);
    FUZZ_BUF(text);
    FUZZ_BUF(dsn);
    FUZZ_BUF(arf);
    FUZZ_BUF(orig);
    FUZZ_STR(content_type);
    FUZZ_STR(report_type);
}

/* fuzz_body_same - the same parts, header blocks aside */

static int fuzz_body_same(BP_MIME *a, BP_MIME *b)
{
    if (a == 0 || b == 0)
	return (a == b);
#define FUZZ_EQ(f) (a->f->len == b->f->len && memcmp(a->f->data, b->f->data, a->f->len) == 0)
    return (FUZZ_EQ(text) && FUZZ_EQ(dsn) && FUZZ_EQ(arf) && FUZZ_EQ(orig)
	    && strcmp(a->content_type, b->content_type) == 0
	    && strcmp(a->report_type, b->report_type) == 0);
}

/*
 * fuzz_gmime_steady - GMime alone reads the same parts whether or not
 * the report's header block holds more than the two fields it needs.
 * GMime 3.2 does not always: a boundary line at the end of its 4 KB
 * read buffer can keep the line end before it in the content. Such
 * inputs say nothing about the fast ways and are skipped.
 */
static int fuzz_gmime_steady(const char *data, size_t size, BP_MIME *ref)
{
    BP_MIME *m = fuzz_parse(data, size, 0, 2);
    int     steady = fuzz_body_same(m, ref);

    bp_mime_free(m);
    return (steady);
}

/*
 * fuzz_mimescan - the line scan (bp_mimescan) and the pre-cut before
 * GMime give what GMime alone gives on the message as it is
 */
static void fuzz_mimescan(const char *data, size_t size)
{
    BP_MIME *scan = fuzz_parse(data, size, 1, 0);
    BP_MIME *precut = fuzz_parse(data, size, 0, 0);
    BP_MIME *ref = fuzz_parse(data, size, 0, 1);

    if ((fuzz_body_same(scan, ref) && fuzz_body_same(precut, ref))
	|| fuzz_gmime_steady(data, size, ref)) {
	fuzz_compare("line scan", scan, ref);
	fuzz_compare("pre-cut", precut, ref);
    }
    bp_mime_free(scan);
    bp_mime_free(precut);
    bp_mime_free(ref);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    BUF    *why, *text;
    BP_REPORT *rep;

    if (!init) {
	log_init("fuzz_bounce", LOG_FLAG_NOSYSLOG);
	init = 1;
    }
    fuzz_mimescan((const char *) data, size);
    why = buf_alloc(64);
    rep = bp_classify((const char *) data, size, why);
    bp_report_free(rep);

    /* The DSN field parser on its own, NUL-terminated. */
    text = buf_alloc(size + 1);
    buf_append(text, data, size);
    rep = bp_report_alloc();
    bp_dsn_parse(buf_str(text), rep);
    bp_report_free(rep);
    buf_free(text);
    buf_free(why);
    return (0);
}
