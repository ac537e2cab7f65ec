/*
 * NAME
 *	mlt_merge_fuzz 1 - libFuzzer target for the template engine
 * SYNOPSIS
 *	make -C COPY milter/mlt_merge_fuzz CC=clang FUZZ=1 (see module.mk)
 *	milter/mlt_merge_fuzz -max_total_time=600 corpus/
 * DESCRIPTION
 *	The input's first line is an X-Postbulk-Vars value, the rest a
 *	message (template). Runs the variable parser, the substitution in
 *	all modes and the GMime merge, so that ASan/UBSan see every path
 *	a hostile template or variable list can take, and the DKIM body
 *	canonicalization over the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

#include "mlt_merge.h"
#include "mlt_mime.h"
#include "mlt_dkimsig.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t  qlen = nl ? (size_t) (nl - data) : size;
    char   *query = xstrndup((const char *) data, qlen);
    const char *msg = nl ? (const char *) nl + 1 : "";
    size_t  mlen = nl ? size - qlen - 1 : 0;
    BUF    *why = buf_alloc(100), *out = buf_alloc(1000), *body = buf_alloc(1000);
    MLT_VARS *vars;
    MLT_HDRS hdrs = {0, 0, 0};
    MLT_MERGE_OPTS opts = {1, "(ad)", "footer ${name}\n<b>&</b>"};
    int     flags;

    if (!init) {
	mlt_mime_init();
	init = 1;
    }
    if ((vars = mlt_vars_parse(query, why)) == 0)
	vars = mlt_vars_new();
    for (flags = 0; flags < 8; flags++) {
	buf_reset(out);
	(void) mlt_subst(msg, mlen, vars, flags, out, why);
    }
    (void) mlt_has_placeholder(msg, mlen);
    {
	unsigned char bh[32];

	mlt_dkimsig_bodyhash(msg, mlen, bh);	/* relaxed body canonicalization */
    }
    (void) mlt_mime_merge(msg, mlen, vars, &opts, &hdrs, body, why);
    mlt_hdrs_free(&hdrs);
    opts.missing_empty = 0;
    (void) mlt_mime_merge(msg, mlen, vars, &opts, &hdrs, body, why);
    mlt_hdrs_free(&hdrs);
    mlt_vars_free(vars);
    buf_free(why);
    buf_free(out);
    buf_free(body);
    free(query);
    return (0);
}
