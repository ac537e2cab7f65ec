/*
 * NAME
 *	report 3 - the campaign report CSV
 * SYNOPSIS
 *	#include "report.h"
 * DESCRIPTION
 *	See report.h. Quoting is done here (RFC 4180: a field with a
 *	comma, quote or space is quoted, quotes doubled); reading it back
 *	goes through libcsv like any list.
 */

/* System library. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Project library. */
#include "buf.h"

/* Application-specific. */
#include "report.h"

/* sub_report_field - one quoted field */

static void sub_report_field(BUF *line, const char *v, int last)
{
    int     quote = 0;

    for (const char *c = v; *c; c++)
	if (*c == ',' || *c == '"' || *c == ' ' || (unsigned char) *c < 0x20)
	    quote = 1;
    if (quote)
	buf_putc(line, '"');
    for (const char *c = v; *c; c++) {
	if (*c == '"')
	    buf_putc(line, '"');
	buf_putc(line, (unsigned char) *c < 0x20 ? ' ' : *c);
    }
    if (quote)
	buf_putc(line, '"');
    buf_puts(line, last ? "\r\n" : ",");
}

/* sub_report_line - format one row */

void    sub_report_line(BUF *line, long row, const char *original, const char *email,
			        const char *fix, const char *outcome, int status,
			        const char *qid, const char *reply)
{
    char    num[32];

    buf_reset(line);
    snprintf(num, sizeof(num), "%ld", row);
    sub_report_field(line, num, 0);
    sub_report_field(line, original ? original : "", 0);
    sub_report_field(line, email ? email : "", 0);
    sub_report_field(line, fix ? fix : "", 0);
    sub_report_field(line, outcome, 0);
    if (status >= 0)
	snprintf(num, sizeof(num), "%d", status);
    else
	num[0] = 0;
    sub_report_field(line, num, 0);
    sub_report_field(line, qid ? qid : "", 0);
    sub_report_field(line, reply ? reply : "", 1);
}

/* sub_report_open - create, BOM, header */

FILE   *sub_report_open(const char *path, BUF *why)
{
    FILE   *fp = fopen(path, "w");

    if (fp == 0) {
	buf_sprintf(why, "create report %s: %s", path, strerror(errno));
	return (0);
    }
    fputs("\xef\xbb\xbf" SUB_REPORT_HEADER "\r\n", fp);
    return (fp);
}

/* sub_report_close - flush and check */

int     sub_report_close(FILE *fp, BUF *why)
{
    if (fp == 0)
	return (0);
    if (ferror(fp) | fclose(fp)) {
	buf_sprintf(why, "write report: %s", strerror(errno));
	return (-1);
    }
    return (0);
}
