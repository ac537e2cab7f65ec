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
 *	their own. Built with -fsanitize=fuzzer,address,undefined.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "buf.h"

#include "bp_report.h"
#include "bp_dsn.h"
#include "bp_classify.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    BUF    *why, *text;
    BP_REPORT *rep;

    if (!init) {
	log_init("fuzz_bounce", LOG_FLAG_NOSYSLOG);
	init = 1;
    }
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
