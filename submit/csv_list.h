#ifndef PF_CSV_LIST_H
#define PF_CSV_LIST_H

/*
 * NAME
 *	csv_list 3 - stream a CSV/TSV member list as UTF-8 records
 * SYNOPSIS
 *	#include "csv_list.h"
 *	SUB_LIST *sub_list_create(const char *encoding, int delim);
 *	int sub_list_feed(SUB_LIST *l, const char *data, size_t len,
 *			  SUB_LIST_FN fn, void *ctx, BUF *why);
 *	int sub_list_finish(SUB_LIST *l, SUB_LIST_FN fn, void *ctx, BUF *why);
 *	int sub_list_file(SUB_LIST *l, const char *path, SUB_LIST_FN fn,
 *			  void *ctx, BUF *why);
 *	const char *sub_list_encoding(SUB_LIST *l);
 *	void sub_list_free(SUB_LIST *l);
 * DESCRIPTION
 *	RFC 4180 records through libcsv, converted to UTF-8 with
 *	iconv(3). encoding NULL or "auto" detects: a UTF-8 BOM (removed),
 *	a UTF-16 BOM, else valid UTF-8 in the first 64 KiB means UTF-8
 *	and anything else CP949 (a superset of EUC-KR, as Korean Excel
 *	writes). Any iconv name is accepted otherwise ("euc-kr",
 *	"cp949", "utf-8", ...). delim 0 detects ",", TAB or ";" from the
 *	first line.
 *
 *	fn(ctx, rec) is called for each record with rec->field[i]
 *	(NUL-terminated, white space trimmed), rec->nfield, rec->number
 *	(1 = the first record, usually the header) and rec->error (non-
 *	NULL when the record was unusable: too long, not valid UTF-8).
 *	fn returns 0 to go on, -1 to stop reading.
 *
 *	Memory is bounded by the longest record (at most 1 MiB; longer
 *	records are reported with an error and skipped), never by the
 *	file size.
 * DIAGNOSTICS
 *	-1 with why: unreadable file, unknown encoding, fn stopped.
 */
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

typedef struct SUB_LIST SUB_LIST;

typedef struct SUB_REC {
    char  **field;
    int     nfield;
    long    number;
    const char *error;
} SUB_REC;

typedef int (*SUB_LIST_FN) (void *, SUB_REC *);

#define SUB_LIST_MAX_FIELDS	1000
#define SUB_LIST_MAX_RECORD	(1024 * 1024)

SUB_LIST *sub_list_create(const char *, int);
int     sub_list_feed(SUB_LIST *, const char *, size_t, SUB_LIST_FN, void *, BUF *);
int     sub_list_finish(SUB_LIST *, SUB_LIST_FN, void *, BUF *);
int     sub_list_file(SUB_LIST *, const char *, SUB_LIST_FN, void *, BUF *);
const char *sub_list_encoding(SUB_LIST *);
off_t   sub_list_bytes_in(SUB_LIST *);
void    sub_list_free(SUB_LIST *);

#endif
