#ifndef PF_CLI_H
#define PF_CLI_H

/*
 * NAME
 *	cli 3h - the postbulk admin command: command table and helpers
 * SYNOPSIS
 *	#include "cli.h"
 *
 *	extern const CLI_CMD cli_commands[];
 *	PFDB *cli_db(CLI_CTX *ctx);
 *	int cli_db_fail(CLI_CTX *ctx, const char *what);
 *	_Noreturn void cli_usage(CLI_CTX *ctx, const char *fmt, ...);
 *	int cli_normalize(const char *in, BUF *out, BUF *why);
 * DESCRIPTION
 *	postbulk(8) dispatches its first word ("suppress", "status",
 *	"export", "db", ...) through cli_commands[] (cli_table.c). To add a
 *	command group, write cli_NAME.c with one function
 *	"int cli_NAME(CLI_CTX *, int argc, char **argv)" (argv[0] is the
 *	group name), declare it below, add one line to cli_table.c, and a
 *	section to postbulk.8.
 *
 *	In your module.mk: "db/postbulk: db/cli_NAME.o" (and, if it needs
 *	more libraries, "db/postbulk: LDLIBS += -lfoo"). cli_table.c names
 *	the function as a weak symbol, so postbulk links, and says "not
 *	built", when that object is absent.
 *
 *	A command returns a <sysexits.h> code (EX_OK on success).
 *	cli_db() opens the store on first use (db_directory, POSTBULK_DB
 *	or -d) and exits with EX_CANTCREAT (no such directory),
 *	EX_NOPERM (not writable) or EX_TEMPFAIL (locked, recovery
 *	failed), the message naming the directory. cli_db_fail() reports
 *	a failed pfdb_* call and returns EX_TEMPFAIL. cli_usage() prints
 *	why, the usage of the current group (all groups when none), and
 *	exits EX_USAGE. cli_normalize() is addr_normalize() with the
 *	flags of the configuration (address_strip_tag).
 */
#include "buf.h"
#include "pfdb.h"

typedef struct CLI_CTX {
    const char *prog;			/* "postbulk" */
    const char *config;			/* -c, or NULL = default */
    const char *dbdir;			/* effective db directory */
    const char *group;			/* command group being run */
    PFDB   *db;				/* opened by cli_db() */
} CLI_CTX;

typedef struct CLI_CMD {
    const char *name;			/* first word */
    int     (*run) (CLI_CTX *, int, char **);
    const char *usage;			/* one line per form, "\n" separated */
} CLI_CMD;

extern const CLI_CMD cli_commands[];

PFDB   *cli_db(CLI_CTX *);
int     cli_db_fail(CLI_CTX *, const char *);
_Noreturn void cli_usage(CLI_CTX *, const char *,...) __attribute__((format(printf, 2, 3)));
int     cli_normalize(const char *, BUF *, BUF *);
const char *cli_time(time_t, char *, size_t);

/* Command groups (one file each). */
int     cli_suppress(CLI_CTX *, int, char **);
int     cli_status(CLI_CTX *, int, char **);
int     cli_export(CLI_CTX *, int, char **);
int     cli_dbcmd(CLI_CTX *, int, char **);

/* Command groups of other parts (weak in cli_table.c: may be absent). */
int     cli_release(CLI_CTX *, int, char **);	/* milter: cli_schedule.c */
int     cli_cancel(CLI_CTX *, int, char **);	/* milter: cli_schedule.c */
int     cli_guard(CLI_CTX *, int, char **);	/* policyd: cli_guard.c */
int     cli_bounces(CLI_CTX *, int, char **);	/* bounce-pipe: cli_bounces.c */
int     cli_doctor(CLI_CTX *, int, char **);	/* cli_doctor.c */

#endif
