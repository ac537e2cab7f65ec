/*
 * NAME
 *	cli_export 3 - postbulk export: message records as RFC 4180 CSV
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_export(CLI_CTX *ctx, int argc, char **argv);
 * DESCRIPTION
 *	postbulk export [--campaign C] [--since T] [-o FILE]
 *
 *	Writes a UTF-8 byte order mark (so that Excel opens Korean text
 *	correctly), a header line, and one line per message record:
 *	id, campaign, email, status_code, status_text, queued, updated,
 *	reason, dsn, diagnostic, queue_id. Lines end in CRLF; a field
 *	with a comma, double quote, CR or LF is quoted, its quotes
 *	doubled (RFC 4180). Times are local "YYYY-MM-DD HH:MM:SS", empty
 *	when unknown. Bytes that are not valid UTF-8 (a remote server's
 *	diagnostic in EUC-KR, say) become U+FFFD, so the file is UTF-8.
 *
 *	--campaign C uses the campaign index. --since T keeps records
 *	updated (else queued) at or after T: seconds since the epoch,
 *	"YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" (local time), or an age
 *	such as "24h", "7d" (cfg_parse_time units). -o FILE writes
 *	FILE.tmp and renames it when complete, so a failed export never
 *	leaves a partial FILE.
 * DIAGNOSTICS
 *	EX_OK; EX_USAGE for a bad option or time; EX_CANTCREAT when FILE
 *	cannot be written; EX_TEMPFAIL on a db error.
 */

/* System library. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* Project library. */
#include "buf.h"
#include "cfg.h"

/* Local. */
#include "cli.h"
#include "pfdb.h"

typedef struct CLI_EXPORT {
    FILE   *fp;
    time_t  since;
    long    rows;
    BUF    *line;
} CLI_EXPORT;

/* cli_utf8_len - length of a valid UTF-8 sequence at cp, 0 if invalid */

static size_t cli_utf8_len(const unsigned char *cp)
{
    size_t  n;
    unsigned cpnt;

    if (cp[0] < 0x80)
	return (1);
    if (cp[0] >= 0xc2 && cp[0] <= 0xdf) {
	n = 2;
	cpnt = cp[0] & 0x1f;
    } else if (cp[0] >= 0xe0 && cp[0] <= 0xef) {
	n = 3;
	cpnt = cp[0] & 0x0f;
    } else if (cp[0] >= 0xf0 && cp[0] <= 0xf4) {
	n = 4;
	cpnt = cp[0] & 0x07;
    } else {
	return (0);
    }
    for (size_t i = 1; i < n; i++) {
	if ((cp[i] & 0xc0) != 0x80)
	    return (0);
	cpnt = (cpnt << 6) | (cp[i] & 0x3f);
    }
    if ((n == 3 && (cpnt < 0x800 || (cpnt >= 0xd800 && cpnt <= 0xdfff)))
	|| (n == 4 && (cpnt < 0x10000 || cpnt > 0x10ffff)))
	return (0);				/* overlong or surrogate */
    return (n);
}

/* cli_csv_field - append one field, quoted when needed */

static void cli_csv_field(BUF *b, const char *s, int first)
{
    const unsigned char *cp = (const unsigned char *) s;
    int     quote = strpbrk(s, ",\"\r\n") != 0;

    if (!first)
	buf_putc(b, ',');
    if (quote)
	buf_putc(b, '"');
    while (*cp) {
	size_t  n = cli_utf8_len(cp);

	if (n == 0) {
	    buf_puts(b, "\xef\xbf\xbd");	/* U+FFFD */
	    cp++;
	    continue;
	}
	if (*cp == '"')
	    buf_putc(b, '"');
	buf_append(b, cp, n);
	cp += n;
    }
    if (quote)
	buf_putc(b, '"');
}

static int cli_export_fn(const PFDB_MSG *m, void *ctx)
{
    CLI_EXPORT *ex = ctx;
    char    code[16], t1[32], t2[32];

    if (ex->since && (m->updated ? m->updated : m->queued) < ex->since)
	return (0);
    snprintf(code, sizeof(code), "%d", m->status);
    buf_reset(ex->line);
    cli_csv_field(ex->line, m->msgid, 1);
    cli_csv_field(ex->line, m->campaign, 0);
    cli_csv_field(ex->line, m->rcpt, 0);
    cli_csv_field(ex->line, code, 0);
    cli_csv_field(ex->line, pfdb_status_name(m->status), 0);
    cli_csv_field(ex->line, cli_time(m->queued, t1, sizeof(t1)), 0);
    cli_csv_field(ex->line, cli_time(m->updated, t2, sizeof(t2)), 0);
    cli_csv_field(ex->line, m->reason, 0);
    cli_csv_field(ex->line, m->dsn, 0);
    cli_csv_field(ex->line, m->diag, 0);
    cli_csv_field(ex->line, m->queue_id, 0);
    buf_puts(ex->line, "\r\n");
    if (fwrite(buf_str(ex->line), 1, buf_len(ex->line), ex->fp) != buf_len(ex->line))
	return (-1);
    ex->rows++;
    return (0);
}

/* cli_parse_since - absolute or relative time */

static int cli_parse_since(const char *s, time_t *out)
{
    static const char *const fmts[] = {
	"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
	"%Y-%m-%dT%H:%M", "%Y-%m-%d", 0,
    };
    const char *cp;
    long    age;

    for (cp = s; *cp >= '0' && *cp <= '9'; cp++)
	 /* void */ ;
    if (*s && *cp == 0 && cp - s >= 9) {	/* epoch seconds */
	*out = (time_t) strtoll(s, 0, 10);
	return (0);
    }
    for (int i = 0; fmts[i]; i++) {
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, fmts[i], &tm)) != 0 && *end == 0) {
	    tm.tm_isdst = -1;
	    if ((*out = mktime(&tm)) == (time_t) -1)
		return (-1);
	    return (0);
	}
    }
    if (cfg_parse_time(s, &age) == 0) {
	*out = time(0) - age;
	return (0);
    }
    return (-1);
}

int     cli_export(CLI_CTX *ctx, int argc, char **argv)
{
    CLI_EXPORT ex;
    const char *campaign = 0, *file = 0;
    BUF    *tmp = 0;
    PFDB   *db;
    int     r;

    memset(&ex, 0, sizeof(ex));
    for (int i = 1; i < argc; i++) {
	const char *opt = argv[i];
	const char *val = 0;

	if (strcmp(opt, "--campaign") == 0 || strcmp(opt, "--since") == 0
	    || strcmp(opt, "-o") == 0) {
	    if (i + 1 >= argc)
		cli_usage(ctx, "export: %s needs a value", opt);
	    val = argv[++i];
	} else if (strncmp(opt, "--campaign=", 11) == 0) {
	    val = opt + 11;
	    opt = "--campaign";
	} else if (strncmp(opt, "--since=", 8) == 0) {
	    val = opt + 8;
	    opt = "--since";
	} else {
	    cli_usage(ctx, "export: unknown %s \"%s\"",
		      opt[0] == '-' ? "option" : "argument", opt);
	}
	if (strcmp(opt, "--campaign") == 0)
	    campaign = val;
	else if (strcmp(opt, "-o") == 0)
	    file = val;
	else if (cli_parse_since(val, &ex.since) < 0)
	    cli_usage(ctx, "export: bad --since time \"%s\" (use epoch seconds, "
		      "YYYY-MM-DD[ HH:MM[:SS]] or an age like 7d)", val);
    }
    db = cli_db(ctx);
    if (file && strcmp(file, "-") != 0) {
	tmp = buf_alloc(100);
	buf_sprintf(tmp, "%s.tmp", file);
	if ((ex.fp = fopen(buf_str(tmp), "w")) == 0) {
	    fprintf(stderr, "%s: export: cannot create %s: %s\n", ctx->prog,
		    buf_str(tmp), strerror(errno));
	    buf_free(tmp);
	    return (EX_CANTCREAT);
	}
    } else {
	ex.fp = stdout;
    }
    ex.line = buf_alloc(512);
    fputs("\xef\xbb\xbf", ex.fp);
    fputs("id,campaign,email,status_code,status_text,queued,updated,reason,"
	  "dsn,diagnostic,queue_id\r\n", ex.fp);
    r = campaign ? pfdb_msg_by_campaign(db, campaign, cli_export_fn, &ex)
	: pfdb_msg_walk(db, cli_export_fn, &ex);
    buf_free(ex.line);
    if (ex.fp != stdout) {
	int     werr = ferror(ex.fp);

	if (fclose(ex.fp) != 0 || werr || (r == 0 && rename(buf_str(tmp), file) < 0)) {
	    fprintf(stderr, "%s: export: cannot write %s: %s\n", ctx->prog, file,
		    strerror(errno));
	    unlink(buf_str(tmp));
	    buf_free(tmp);
	    return (EX_CANTCREAT);
	}
	if (r != 0)
	    unlink(buf_str(tmp));
	buf_free(tmp);
    }
    if (r < 0 && ex.fp == stdout && ferror(stdout))
	return (EX_IOERR);
    if (r < 0)
	return (cli_db_fail(ctx, "export"));
    if (file && strcmp(file, "-") != 0)
	fprintf(stderr, "%s: export: %ld records written to %s\n", ctx->prog,
		ex.rows, file);
    return (EX_OK);
}
