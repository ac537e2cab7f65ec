/*
 * NAME
 *	postbulk 8 - postbulk administration: suppressions, status, export, db
 * SYNOPSIS
 *	postbulk [-c CONFIG] [-d DBDIR] [-v] COMMAND [ARGS...]
 * DESCRIPTION
 *	Parses the global options, loads the configuration (params_load:
 *	db_directory, address_strip_tag, db_lock_timeout), picks the
 *	database directory (-d, else $POSTBULK_DB, else db_directory) and
 *	dispatches COMMAND through cli_commands[] (cli_table.c).
 *	The manual is postbulk.8.
 * EXIT STATUS
 *	The command's <sysexits.h> code; EX_USAGE for unknown options or
 *	commands, EX_CONFIG for a bad configuration file.
 */

/* System library. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* Project library. */
#include "addr.h"
#include "buf.h"
#include "log.h"
#include "params.h"

/* Local. */
#include "cli.h"
#include "pfdb.h"

/* cli_print_usage - one group, or all */

static void cli_print_usage(FILE *fp, const char *prog, const char *group)
{
    fprintf(fp, "usage: %s [-c CONFIG] [-d DBDIR] [-v] COMMAND ...\n", prog);
    for (const CLI_CMD *c = cli_commands; c->name; c++) {
	const char *cp = c->usage;

	if ((group && strcmp(group, c->name) != 0) || c->run == 0)
	    continue;
	while (*cp) {
	    size_t  len = strcspn(cp, "\n");

	    fprintf(fp, "       %s %.*s\n", prog, (int) len, cp);
	    cp += len + (cp[len] ? 1 : 0);
	}
    }
}

void    cli_usage(CLI_CTX *ctx, const char *fmt,...)
{
    va_list ap;

    if (fmt) {
	fprintf(stderr, "%s: ", ctx->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
    }
    cli_print_usage(stderr, ctx->prog, ctx->group);
    exit(EX_USAGE);
}

/* cli_db - open the store on first use */

PFDB   *cli_db(CLI_CTX *ctx)
{
    BUF    *why;

    if (ctx->db)
	return (ctx->db);
    why = buf_alloc(100);
    if ((ctx->db = pfdb_open(ctx->dbdir, PFDB_CREATE, why)) == 0) {
	int     err = errno;

	fprintf(stderr, "%s: fatal: %s\n", ctx->prog, buf_str(why));
	exit(err == EACCES ? EX_NOPERM : err == EAGAIN ? EX_TEMPFAIL :
	     err == ENOENT || err == ENOTDIR ? EX_CANTCREAT : EX_TEMPFAIL);
    }
    buf_free(why);
    return (ctx->db);
}

int     cli_db_fail(CLI_CTX *ctx, const char *what)
{
    fprintf(stderr, "%s: error: %s: db %s: %s\n", ctx->prog, what, ctx->dbdir,
	    pfdb_strerror(ctx->db));
    return (EX_TEMPFAIL);
}

int     cli_normalize(const char *in, BUF *out, BUF *why)
{
    return (addr_normalize(in, var_strip_tag ? ADDR_STRIP_TAG : 0, out, why));
}

/* cli_time - local "YYYY-MM-DD HH:MM:SS", "" for 0 */

const char *cli_time(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (t == 0 || localtime_r(&t, &tm) == 0 || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
	buf[0] = 0;
    return (buf);
}

int     main(int argc, char **argv)
{
    CLI_CTX ctx;
    BUF    *why = buf_alloc(100);
    const char *dbdir = 0;
    int     ch, ret;

    memset(&ctx, 0, sizeof(ctx));
    ctx.prog = "postbulk";
    log_init(ctx.prog, LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    while ((ch = getopt(argc, argv, "+c:d:vh")) != -1) {
	switch (ch) {
	case 'c':
	    ctx.config = optarg;
	    break;
	case 'd':
	    dbdir = optarg;
	    break;
	case 'v':
	    log_init(ctx.prog, LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG | LOG_FLAG_VERBOSE);
	    break;
	case 'h':
	    cli_print_usage(stdout, ctx.prog, 0);
	    exit(EX_OK);
	default:
	    cli_usage(&ctx, 0);
	}
    }
    if (optind >= argc)
	cli_usage(&ctx, "missing command");
    if (params_load(ctx.config, NULL, NULL, why) < 0) {
	fprintf(stderr, "%s: fatal: %s\n", ctx.prog, buf_str(why));
	exit(EX_CONFIG);
    }
    if (dbdir == 0)
	dbdir = getenv("POSTBULK_DB");
    if (dbdir == 0 || *dbdir == 0)
	dbdir = var_db_directory;
    ctx.dbdir = dbdir;
    for (const CLI_CMD *c = cli_commands; c->name; c++) {
	if (strcmp(c->name, argv[optind]) == 0) {
	    if (c->run == 0) {
		fprintf(stderr, "%s: command \"%s\" is not built into this "
			"postbulk\n", ctx.prog, c->name);
		exit(EX_UNAVAILABLE);
	    }
	    ctx.group = c->name;
	    ret = c->run(&ctx, argc - optind, argv + optind);
	    if (ctx.db)
		pfdb_close(ctx.db);
	    buf_free(why);
	    if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: error: write to standard output: %s\n",
			ctx.prog, strerror(errno));
		return (ret ? ret : EX_IOERR);
	    }
	    return (ret);
	}
    }
    cli_usage(&ctx, "unknown command \"%s\"", argv[optind]);
}
