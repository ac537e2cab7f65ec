/*
 * NAME
 *	cli_suppress 3 - postbulk suppress add|del|show|list|import|export
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_suppress(CLI_CTX *ctx, int argc, char **argv);
 * DESCRIPTION
 *	add ADDRESS [REASON]: upsert with source "admin" (reason
 *	"manual" when none). del: remove. show: the entry that applies
 *	to ADDRESS (the address itself, else its @domain). list: all,
 *	as an aligned table. export: "address,reason" lines, the import
 *	format, so an export can be imported elsewhere.
 *
 *	import FILE ("-" = stdin): one address per line, optionally
 *	",reason" after the last comma (a reason has no "@" or quote),
 *	blank lines and lines starting with "#" ignored, CRLF accepted.
 *	Every address is normalized like everywhere else (addr_normalize,
 *	address_strip_tag). Good lines are imported in transactions of
 *	PFDB_IMPORT_BATCH (pfdb_supp_import); every bad line is reported
 *	on stderr as "FILE:LINE: reason", and the import goes on.
 * DIAGNOSTICS
 *	EX_OK; EX_DATAERR when an address or reason is malformed (for
 *	import: after importing every good line); EX_NOUSER when del or
 *	show finds no entry; EX_NOINPUT when FILE cannot be read;
 *	EX_TEMPFAIL on a db error.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "mem.h"

/* Local. */
#include "cli.h"
#include "pfdb.h"

#define CLI_LINE_MAX	2048

/* cli_reason_ok - a reason class: [a-z0-9_.-], at most 31 */

static int cli_reason_ok(const char *r, BUF *why)
{
    size_t  len = strlen(r);

    if (len == 0 || len > 31) {
	buf_sprintf(why, "reason must be 1 to 31 characters");
	return (0);
    }
    for (const char *cp = r; *cp; cp++) {
	if (!(islower((unsigned char) *cp) || isdigit((unsigned char) *cp)
	      || *cp == '_' || *cp == '-' || *cp == '.')) {
	    buf_sprintf(why, "bad reason \"%s\" (use a-z, 0-9, _ . -)", r);
	    return (0);
	}
    }
    return (1);
}

/* cli_lower - ASCII lowercase in place */

static char *cli_lower(char *s)
{
    for (char *cp = s; *cp; cp++)
	*cp = (char) tolower((unsigned char) *cp);
    return (s);
}

static int cli_supp_add(CLI_CTX *ctx, int argc, char **argv)
{
    BUF    *key = buf_alloc(100), *why = buf_alloc(100);
    char   *reason;
    int     ret = EX_OK;

    if (argc < 3 || argc > 4)
	cli_usage(ctx, "suppress add: need ADDRESS and optional REASON");
    reason = cli_lower(xstrdup(argc == 4 ? argv[3] : "manual"));
    if (cli_normalize(argv[2], key, why) < 0) {
	fprintf(stderr, "%s: bad address \"%s\": %s\n", ctx->prog, argv[2], buf_str(why));
	ret = EX_DATAERR;
    } else if (!cli_reason_ok(reason, why)) {
	fprintf(stderr, "%s: %s\n", ctx->prog, buf_str(why));
	ret = EX_DATAERR;
    } else if (pfdb_supp_add(cli_db(ctx), NULL, buf_str(key), reason, "admin", "",
			     time(0), 0) < 0) {
	ret = cli_db_fail(ctx, "suppress add");
    } else {
	printf("%s: suppressed (%s)\n", buf_str(key), reason);
    }
    free(reason);
    buf_free(key);
    buf_free(why);
    return (ret);
}

static int cli_supp_del(CLI_CTX *ctx, int argc, char **argv)
{
    BUF    *key = buf_alloc(100), *why = buf_alloc(100);
    int     ret = EX_OK, r;

    if (argc != 3)
	cli_usage(ctx, "suppress del: need one ADDRESS");
    if (cli_normalize(argv[2], key, why) < 0) {
	fprintf(stderr, "%s: bad address \"%s\": %s\n", ctx->prog, argv[2], buf_str(why));
	ret = EX_DATAERR;
    } else if ((r = pfdb_supp_del(cli_db(ctx), NULL, buf_str(key))) < 0) {
	ret = cli_db_fail(ctx, "suppress del");
    } else if (r == 0) {
	fprintf(stderr, "%s: %s: not suppressed\n", ctx->prog, buf_str(key));
	ret = EX_NOUSER;
    } else {
	printf("%s: deleted\n", buf_str(key));
    }
    buf_free(key);
    buf_free(why);
    return (ret);
}

static int cli_supp_show(CLI_CTX *ctx, int argc, char **argv)
{
    BUF    *key = buf_alloc(100), *why = buf_alloc(100), *matched = buf_alloc(100);
    PFDB_SUPP s;
    char    t1[32], t2[32], t3[32];
    int     ret = EX_OK, r;

    if (argc != 3)
	cli_usage(ctx, "suppress show: need one ADDRESS");
    if (cli_normalize(argv[2], key, why) < 0) {
	fprintf(stderr, "%s: bad address \"%s\": %s\n", ctx->prog, argv[2], buf_str(why));
	ret = EX_DATAERR;
    } else if ((r = pfdb_supp_lookup(cli_db(ctx), buf_str(key), &s, matched)) < 0) {
	ret = cli_db_fail(ctx, "suppress show");
    } else if (r == 0) {
	fprintf(stderr, "%s: %s: not suppressed\n", ctx->prog, buf_str(key));
	ret = EX_NOUSER;
    } else {
	printf("address: %s\nmatched: %s\nreason:  %s\nsource:  %s\n"
	       "first:   %s\nlast:    %s\ncount:   %u\nexpires: %s\ndetail:  %s\n",
	       buf_str(key), buf_str(matched), s.reason, s.source,
	       cli_time(s.first, t1, sizeof(t1)), cli_time(s.last, t2, sizeof(t2)),
	       s.count, s.expires ? cli_time(s.expires, t3, sizeof(t3)) : "never",
	       s.detail);
    }
    buf_free(key);
    buf_free(why);
    buf_free(matched);
    return (ret);
}

static int cli_supp_list_fn(const char *key, const PFDB_SUPP *s, void *ctx)
{
    char    t[32];

    printf("%-40s %-14s %-12s %6u  %s\n", key, s->reason, s->source, s->count,
	   cli_time(s->last, t, sizeof(t)));
    return (ferror(stdout) ? -1 : 0);
}

static int cli_supp_export_fn(const char *key, const PFDB_SUPP *s, void *ctx)
{
    printf("%s,%s\n", key, s->reason);
    return (ferror(stdout) ? -1 : 0);
}

static int cli_supp_walk(CLI_CTX *ctx, int argc, char **argv, int export)
{
    PFDB   *db;
    int     r;

    if (argc != 2)
	cli_usage(ctx, "suppress %s takes no arguments", argv[1]);
    db = cli_db(ctx);				/* fail before any output */
    if (export)
	printf("# postbulk suppression export: address,reason\n");
    else
	printf("%-40s %-14s %-12s %6s  %s\n", "ADDRESS", "REASON", "SOURCE",
	       "COUNT", "LAST");
    r = pfdb_supp_walk(db, export ? cli_supp_export_fn : cli_supp_list_fn, 0);
    if (r < 0 && ferror(stdout))
	return (EX_IOERR);
    if (r < 0)
	return (cli_db_fail(ctx, "suppress list"));
    return (EX_OK);
}

/* Import. */

typedef struct CLI_IMPORT {
    char  **keys;
    char  **reasons;
    size_t  n;
    long    imported;
} CLI_IMPORT;

static int cli_import_flush(CLI_CTX *ctx, CLI_IMPORT *imp)
{
    long    r = 0;

    if (imp->n)
	r = pfdb_supp_import(cli_db(ctx), imp->n, (const char *const *) imp->keys,
			     (const char *const *) imp->reasons, "import", time(0));
    for (size_t i = 0; i < imp->n; i++) {
	free(imp->keys[i]);
	free(imp->reasons[i]);
    }
    imp->n = 0;
    if (r < 0)
	return (-1);
    imp->imported += r;
    return (0);
}

/* cli_import_split - "address[,reason]": reason after the last comma */

static char *cli_import_split(char *line)
{
    char   *comma = strrchr(line, ',');

    if (comma == 0 || strpbrk(comma + 1, "@\""))
	return (0);				/* a comma inside a quoted local part */
    *comma = 0;
    return (comma + 1);
}

static char *cli_trim(char *s)
{
    char   *end;

    while (isspace((unsigned char) *s))
	s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char) end[-1]))
	*--end = 0;
    return (s);
}

static int cli_supp_import(CLI_CTX *ctx, int argc, char **argv)
{
    const char *file;
    FILE   *fp;
    CLI_IMPORT imp;
    BUF    *key, *why, *line;
    char   *lbuf = 0;
    size_t  lcap = 0;
    long    lineno = 0, bad = 0;
    int     ret = EX_OK;

    if (argc != 3)
	cli_usage(ctx, "suppress import: need one FILE (\"-\" for standard input)");
    file = argv[2];
    if (strcmp(file, "-") == 0) {
	fp = stdin;
	file = "(stdin)";
    } else if ((fp = fopen(file, "r")) == 0) {
	fprintf(stderr, "%s: cannot open %s: %s\n", ctx->prog, file, strerror(errno));
	return (EX_NOINPUT);
    }
    (void) cli_db(ctx);
    key = buf_alloc(100);
    why = buf_alloc(100);
    line = buf_alloc(256);
    memset(&imp, 0, sizeof(imp));
    imp.keys = xcalloc(PFDB_IMPORT_BATCH, sizeof(char *));
    imp.reasons = xcalloc(PFDB_IMPORT_BATCH, sizeof(char *));
    for (;;) {
	char   *addr, *reason;
	ssize_t len;
	int     nul;

	if ((len = getline(&lbuf, &lcap, fp)) < 0)
	    break;
	if (len > 0 && lbuf[len - 1] == '\n')
	    lbuf[--len] = 0;
	nul = memchr(lbuf, 0, (size_t) len) != 0;
	buf_reset(line);
	buf_append(line, lbuf, (size_t) len);
	lineno++;
	addr = cli_trim(buf_str(line));
	if (*addr == 0 || *addr == '#')
	    continue;
	if (nul) {
	    fprintf(stderr, "%s:%ld: NUL byte in line\n", file, lineno);
	    bad++;
	    continue;
	}
	if (buf_len(line) > CLI_LINE_MAX) {
	    fprintf(stderr, "%s:%ld: line longer than %d bytes\n", file, lineno,
		    CLI_LINE_MAX);
	    bad++;
	    continue;
	}
	if ((reason = cli_import_split(addr)) != 0) {
	    reason = cli_lower(cli_trim(reason));
	    addr = cli_trim(addr);
	    if (*reason == 0) {
		reason = 0;
	    } else if (!cli_reason_ok(reason, why)) {
		fprintf(stderr, "%s:%ld: %s\n", file, lineno, buf_str(why));
		bad++;
		continue;
	    }
	}
	if (cli_normalize(addr, key, why) < 0) {
	    char    q[200];

	    fprintf(stderr, "%s:%ld: bad address \"%s\": %s\n", file, lineno,
		    log_quote(addr, q, sizeof(q)), buf_str(why));
	    bad++;
	    continue;
	}
	imp.keys[imp.n] = xstrdup(buf_str(key));
	imp.reasons[imp.n] = reason ? xstrdup(reason) : 0;
	if (++imp.n == PFDB_IMPORT_BATCH && cli_import_flush(ctx, &imp) < 0) {
	    ret = cli_db_fail(ctx, "suppress import");
	    break;
	}
    }
    if (ferror(fp)) {
	fprintf(stderr, "%s: read error on %s: %s\n", ctx->prog, file, strerror(errno));
	ret = EX_IOERR;
    }
    if (ret == EX_OK && cli_import_flush(ctx, &imp) < 0)
	ret = cli_db_fail(ctx, "suppress import");
    if (fp != stdin)
	fclose(fp);
    printf("%s: %ld addresses imported, %ld bad lines\n", file, imp.imported, bad);
    free(imp.keys);
    free(imp.reasons);
    free(lbuf);
    buf_free(key);
    buf_free(why);
    buf_free(line);
    if (ret == EX_OK && bad)
	ret = EX_DATAERR;
    return (ret);
}

int     cli_suppress(CLI_CTX *ctx, int argc, char **argv)
{
    if (argc < 2)
	cli_usage(ctx, "suppress: missing subcommand");
    if (argv[1][0] == '-')
	cli_usage(ctx, "suppress: unknown option \"%s\"", argv[1]);
    /* No options here; an address ("-x@y", "@d") always has an "@". */
    for (int i = 2; i < argc; i++)
	if (argv[i][0] == '-' && argv[i][1] != 0 && strchr(argv[i], '@') == 0)
	    cli_usage(ctx, "suppress %s: unknown option \"%s\"", argv[1], argv[i]);
    if (strcmp(argv[1], "add") == 0)
	return (cli_supp_add(ctx, argc, argv));
    if (strcmp(argv[1], "del") == 0)
	return (cli_supp_del(ctx, argc, argv));
    if (strcmp(argv[1], "show") == 0)
	return (cli_supp_show(ctx, argc, argv));
    if (strcmp(argv[1], "list") == 0)
	return (cli_supp_walk(ctx, argc, argv, 0));
    if (strcmp(argv[1], "export") == 0)
	return (cli_supp_walk(ctx, argc, argv, 1));
    if (strcmp(argv[1], "import") == 0)
	return (cli_supp_import(ctx, argc, argv));
    cli_usage(ctx, "suppress: unknown subcommand \"%s\"", argv[1]);
}
