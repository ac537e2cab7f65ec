/*
 * NAME
 *	cli_bounces 3 - postbulk bounces --unparsed|--forged|--unmatched
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_bounces(CLI_CTX *ctx, int argc, char **argv);
 * DESCRIPTION
 *	Lists the returned messages postbulk-bounce(8) kept for the
 *	administrator in DBDIR/quarantine/KIND/ (the default of its
 *	bounce_quarantine_directory): unparsed (nothing recognized),
 *	forged (bad VERP token) or unmatched (no message record). One line
 *	per file, oldest first: time, size, file name, and the reason
 *	postbulk-bounce wrote into its X-Postbulk-Quarantine: line.
 *	Owned by bounce-pipe; registered in cli_table.c.
 * DIAGNOSTICS
 *	EX_OK (also for an empty or missing folder), EX_USAGE, EX_IOERR
 *	when the folder cannot be read.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "mem.h"

#include "cli.h"

static int cli_bounces_cmp(const void *a, const void *b)
{
    return (strcmp(*(char *const *) a, *(char *const *) b));
}

/* cli_bounces_note - the X-Postbulk-Quarantine: line of a file */

static void cli_bounces_note(const char *path, char *note, size_t len)
{
    FILE   *fp;
    char    line[1024];

    snprintf(note, len, "-");
    if ((fp = fopen(path, "r")) == 0)
	return;
    if (fgets(line, sizeof(line), fp) && strncmp(line, "X-Postbulk-Quarantine: ", 23) == 0) {
	line[strcspn(line, "\r\n")] = 0;
	snprintf(note, len, "%s", line + 23);
    }
    fclose(fp);
}

int     cli_bounces(CLI_CTX *ctx, int argc, char **argv)
{
    const char *kind;
    BUF    *dir = buf_alloc(256), *path = buf_alloc(256);
    DIR    *dp;
    struct dirent *de;
    char  **names = 0;
    size_t  n = 0, i;

    if (argc != 2)
	cli_usage(ctx, "bounces: one of --unparsed, --forged, --unmatched");
    if (strcmp(argv[1], "--unparsed") == 0)
	kind = "unparsed";
    else if (strcmp(argv[1], "--forged") == 0)
	kind = "forged";
    else if (strcmp(argv[1], "--unmatched") == 0)
	kind = "unmatched";
    else
	cli_usage(ctx, "bounces: unknown option \"%s\"", argv[1]);
    buf_sprintf(dir, "%s/quarantine/%s", ctx->dbdir, kind);
    if ((dp = opendir(buf_str(dir))) == 0) {
	if (errno == ENOENT) {
	    printf("%s: no %s messages\n", buf_str(dir), kind);
	    return (EX_OK);
	}
	fprintf(stderr, "%s: %s: %s\n", ctx->prog, buf_str(dir), strerror(errno));
	return (EX_IOERR);
    }
    while ((de = readdir(dp)) != 0) {
	size_t  l = strlen(de->d_name);

	if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
	    continue;
	names = xrealloc(names, (n + 1) * sizeof(*names));
	names[n++] = xstrdup(de->d_name);
    }
    closedir(dp);
    qsort(names, n, sizeof(*names), cli_bounces_cmp);
    for (i = 0; i < n; i++) {
	struct stat st;
	char    note[1024], when[64];

	buf_sprintf(path, "%s/%s", buf_str(dir), names[i]);
	if (stat(buf_str(path), &st) < 0)
	    continue;
	cli_bounces_note(buf_str(path), note, sizeof(note));
	printf("%s\t%lld\t%s\t%s\n", cli_time(st.st_mtime, when, sizeof(when)),
	       (long long) st.st_size, buf_str(path), note);
	free(names[i]);
    }
    free(names);
    printf("%zu %s message%s in %s\n", n, kind, n == 1 ? "" : "s", buf_str(dir));
    buf_free(dir);
    buf_free(path);
    return (EX_OK);
}
