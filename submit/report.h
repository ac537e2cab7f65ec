#ifndef PF_REPORT_H
#define PF_REPORT_H

/*
 * NAME
 *	report 3 - the campaign report CSV
 * SYNOPSIS
 *	#include "report.h"
 *	void sub_report_line(BUF *line, long row, const char *original,
 *			     const char *email, const char *fix,
 *			     const char *outcome, int status,
 *			     const char *queue_id, const char *reply);
 *	FILE *sub_report_open(const char *path, BUF *why);
 *	int sub_report_close(FILE *fp, BUF *why);
 * DESCRIPTION
 *	One CSV line per list row (RFC 4180, CRLF), columns
 *	row,original,email,fix,outcome,status,queue_id,reply; status -1
 *	leaves the column empty (dry run). Control characters in values
 *	become spaces so that each record is one physical line (the
 *	journal depends on it). The file starts with a UTF-8 BOM so that
 *	Excel shows Hangul correctly.
 */
#include <stdio.h>

#include "buf.h"

#define SUB_REPORT_HEADER "row,original,email,fix,outcome,status,queue_id,reply"

void    sub_report_line(BUF *, long, const char *, const char *, const char *,
			        const char *, int, const char *, const char *);
FILE   *sub_report_open(const char *, BUF *);
int     sub_report_close(FILE *, BUF *);

#endif
