/*
 * NAME
 *	fuzz_csv 1 - libFuzzer target for the list path of postbulk-submit
 * SYNOPSIS
 *	make fuzz-submit   (clang, -fsanitize=fuzzer,address,undefined)
 *	submit/fuzz_csv [-max_total_time=600] CORPUS_DIR
 * DESCRIPTION
 *	Feeds the input to csv_list (encoding detection, iconv, libcsv)
 *	in chunks whose size comes from the first input octets (so chunk
 *	boundaries split multibyte sequences and quoted fields), with
 *	the encoding chosen by the first octet (auto, CP949, UTF-8,
 *	UTF-16LE). Every field of every record then goes through what a
 *	campaign does with a list row: typo fixing (all three modes,
 *	including the 2-set Hangul conversion), addr_normalize(),
 *	addr_check_syntax(), de-duplication, X-Postbulk-Vars encoding,
 *	the report line, and the journal's report-line re-parsing.
 */

/* System library. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "addr.h"
#include "log.h"

/* Application-specific. */
#include "csv_list.h"
#include "typo.h"
#include "hangul.h"
#include "dedup.h"
#include "report.h"
#include "message.h"

typedef struct FUZZ_CTX {
    SUB_DEDUP *dedup;
    BUF    *out, *change, *norm, *why, *vars, *line, *keys;
    int     mode;
} FUZZ_CTX;

/* fuzz_row - everything a campaign does with one record */

static int fuzz_row(void *ctx, SUB_REC *rec)
{
    FUZZ_CTX *f = ctx;

    buf_reset(f->vars);
    for (int i = 0; i < rec->nfield; i++) {
	const char *v = rec->field[i];

	sub_typo_fix(v, f->mode, f->out, f->change);
	sub_hangul_keys(v, f->keys);
	if (addr_normalize(buf_str(f->out), 0, f->norm, f->why) == 0
	    && addr_check_syntax(buf_str(f->norm), f->why) == 0) {
	    BUF    *key = buf_alloc(64);

	    if (addr_normalize(buf_str(f->norm), ADDR_FOLD_LOCAL | ADDR_STRIP_TAG,
			       key, f->why) == 0)
		(void) sub_dedup_add(f->dedup, buf_str(key));
	    buf_free(key);
	}
	sub_msg_vars_add(f->vars, "k", v);
	sub_report_line(f->line, rec->number, v, buf_str(f->out), buf_str(f->change),
			"queued", 0, "", v);
    }
    return (0);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const enc[] = {"auto", "CP949", "UTF-8", "UTF-16LE"};
    FUZZ_CTX f;
    SUB_LIST *l;
    BUF    *why;
    size_t  chunk, off = 0;

    if (size < 2)
	return (0);
    why = buf_alloc(64);
    log_init("fuzz_csv", LOG_FLAG_NOSYSLOG);
    f.dedup = sub_dedup_create();
    f.out = buf_alloc(64);
    f.change = buf_alloc(64);
    f.norm = buf_alloc(64);
    f.why = buf_alloc(64);
    f.vars = buf_alloc(64);
    f.line = buf_alloc(64);
    f.keys = buf_alloc(64);
    f.mode = data[0] % 3;
    l = sub_list_create(enc[(data[0] >> 2) % 4], (data[0] & 0x40) ? '\t' : 0);
    chunk = 1 + data[1] % 64;
    data += 2;
    size -= 2;
    while (off < size) {
	size_t  n = size - off < chunk ? size - off : chunk;

	if (sub_list_feed(l, (const char *) data + off, n, fuzz_row, &f, why) < 0)
	    break;
	off += n;
    }
    if (off >= size)
	(void) sub_list_finish(l, fuzz_row, &f, why);
    sub_list_free(l);
    sub_dedup_free(f.dedup);
    buf_free(f.out);
    buf_free(f.change);
    buf_free(f.norm);
    buf_free(f.why);
    buf_free(f.vars);
    buf_free(f.line);
    buf_free(f.keys);
    buf_free(why);
    return (0);
}
