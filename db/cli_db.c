/*
 * NAME
 *	cli_db 3 - postbulk db verify|checkpoint|recover
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_dbcmd(CLI_CTX *ctx, int argc, char **argv);
 * DESCRIPTION
 *	verify: pfdb_verify() (records decode, indexes match their
 *	records, DB->verify on every file); prints the report.
 *
 *	checkpoint: a forced checkpoint, then removal of the log files
 *	that are no longer needed.
 *
 *	recover: opens the environment the way every process does
 *	(DB_REGISTER | DB_RECOVER), which runs recovery when a process
 *	that had it open died, and reports what it did. It never forces
 *	recovery under running processes (that would corrupt them).
 * DIAGNOSTICS
 *	EX_OK; EX_DATAERR when verify finds problems; EX_TEMPFAIL on
 *	a db error.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"

#include "cli.h"
#include "pfdb.h"

int     cli_dbcmd(CLI_CTX *ctx, int argc, char **argv)
{
    if (argc != 2)
	cli_usage(ctx, argc < 2 ? "db: missing subcommand" :
		  "db %s: unexpected argument \"%s\"", argv[1], argv[2]);
    if (strcmp(argv[1], "verify") == 0) {
	BUF    *report = buf_alloc(1000);
	int     r;

	(void) cli_db(ctx);			/* same errors as other commands */
	pfdb_close(ctx->db);
	ctx->db = 0;
	r = pfdb_verify(ctx->dbdir, report);
	fputs(buf_str(report), r == 0 ? stdout : stderr);
	buf_free(report);
	return (r == 0 ? EX_OK : EX_DATAERR);
    }
    if (strcmp(argv[1], "checkpoint") == 0) {
	if (pfdb_checkpoint(cli_db(ctx), 1) < 0)
	    return (cli_db_fail(ctx, "checkpoint"));
	printf("%s: checkpoint done, unneeded logs removed\n", ctx->dbdir);
	return (EX_OK);
    }
    if (strcmp(argv[1], "recover") == 0) {
	(void) cli_db(ctx);
	printf("%s: environment open; recovery ran if a process using it had "
	       "died\n", ctx->dbdir);
	return (EX_OK);
    }
    cli_usage(ctx, "db: unknown subcommand \"%s\"", argv[1]);
}
