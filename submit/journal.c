/*
 * NAME
 *	journal 3 - resumable record of a campaign's sent rows
 * SYNOPSIS
 *	#include "journal.h"
 * DESCRIPTION
 *	See journal.h. The caller serializes calls (campaign.c holds its
 *	result lock), so there is no locking here.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Project library. */
#include "log.h"
#include "mem.h"
#include "buf.h"

/* Application-specific. */
#include "sub_params.h"
#include "journal.h"

#define SUB_J_DONE	1
#define SUB_J_SENDING	2

struct SUB_JOURNAL {
    int     fd;
    char   *path;
    unsigned char *bits;		/* 2 bits per row */
    size_t  nbits_rows;
    long    since_sync;
    int     write_error;
};

/* sub_journal_set - remember a flag for a row */

static void sub_journal_set(SUB_JOURNAL *j, long row, int flag)
{
    size_t  r = (size_t) row;

    if (row < 0)
	return;
    if (r >= j->nbits_rows) {
	size_t  n = j->nbits_rows ? j->nbits_rows : 4096;

	while (n <= r)
	    n *= 2;
	j->bits = xrealloc(j->bits, n / 4);
	memset(j->bits + j->nbits_rows / 4, 0, (n - j->nbits_rows) / 4);
	j->nbits_rows = n;
    }
    j->bits[r / 4] |= (unsigned char) (flag << ((r % 4) * 2));
}

/* sub_journal_get - flags of a row */

static int sub_journal_get(SUB_JOURNAL *j, long row)
{
    size_t  r = (size_t) row;

    if (row < 0 || r >= j->nbits_rows)
	return (0);
    return ((j->bits[r / 4] >> ((r % 4) * 2)) & 3);
}

int     sub_journal_done(SUB_JOURNAL *j, long row)
{
    return ((sub_journal_get(j, row) & SUB_J_DONE) != 0);
}

int     sub_journal_uncertain(SUB_JOURNAL *j, long row)
{
    return (sub_journal_get(j, row) == SUB_J_SENDING);
}

/* sub_journal_count - rows done and uncertain so far */

long    sub_journal_count(SUB_JOURNAL *j, long *uncertain)
{
    long    done = 0, unc = 0;

    for (size_t r = 0; r < j->nbits_rows; r++) {
	int     f = sub_journal_get(j, (long) r);

	done += (f & SUB_J_DONE) != 0;
	unc += f == SUB_J_SENDING;
    }
    if (uncertain)
	*uncertain = unc;
    return (done);
}

/* sub_journal_write - one line, one write */

static void sub_journal_write(SUB_JOURNAL *j, const char *s, size_t len)
{
    while (len > 0) {
	ssize_t n = write(j->fd, s, len);

	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0) {
	    if (!j->write_error)
		log_warn("write journal %s: %m; a rerun may resend rows", j->path);
	    j->write_error = 1;
	    return;
	}
	s += n;
	len -= (size_t) n;
    }
}

/* sub_journal_sending - data about to end for row */

void    sub_journal_sending(SUB_JOURNAL *j, long row)
{
    char    line[40];
    int     n = snprintf(line, sizeof(line), "S %ld .\n", row);

    sub_journal_write(j, line, (size_t) n);
    sub_journal_set(j, row, SUB_J_SENDING);
}

/* sub_journal_final - row has its outcome */

void    sub_journal_final(SUB_JOURNAL *j, long row, BUF *report_line)
{
    BUF    *line = buf_alloc(buf_len(report_line) + 32);

    buf_sprintf(line, "D %ld\t", row);
    buf_append(line, buf_str(report_line), buf_len(report_line));
    /* The report line ends in CRLF; the journal wants LF only. */
    while (buf_len(line) && (buf_str(line)[buf_len(line) - 1] == '\n'
			     || buf_str(line)[buf_len(line) - 1] == '\r'))
	buf_truncate(line, buf_len(line) - 1);
    buf_puts(line, "\t.\n");
    sub_journal_write(j, buf_str(line), buf_len(line));
    buf_free(line);
    sub_journal_set(j, row, SUB_J_DONE);
    if (++j->since_sync >= var_sub_sync_rows) {
	(void) fdatasync(j->fd);
	j->since_sync = 0;
    }
}

/* sub_journal_open - replay and append */

SUB_JOURNAL *sub_journal_open(const char *path, const char *list_id,
			         int (*old) (void *, long, const char *), void *ctx,
			              BUF *why)
{
    SUB_JOURNAL *j = xcalloc(1, sizeof(*j));
    FILE   *fp;
    char   *line = 0;
    size_t  cap = 0;
    ssize_t n;
    long    lineno = 0;

    j->path = xstrdup(path);
    if ((fp = fopen(path, "r")) != 0) {
	while ((n = getline(&line, &cap, fp)) > 0) {
	    long    row;
	    char   *end;

	    lineno++;
	    /*
	     * Every event line ends in " ." (S) or TAB "." (D): a line
	     * torn by a crash (power loss; kill -9 cannot tear one
	     * write) lacks it and is ignored.
	     */
	    if (line[n - 1] != '\n')
		break;
	    line[--n] = 0;
	    if (n == 0)
		continue;
	    if (line[0] != '#' && (n < 4 || line[n - 1] != '.'
				   || (line[n - 2] != ' ' && line[n - 2] != '\t'))) {
		log_warn("journal %s, line %ld: incomplete, ignored", path, lineno);
		continue;
	    }
	    if (line[0] != '#')
		line[n - 2] = 0;
	    if (line[0] == '#') {
		if (strncmp(line, "# list ", 7) == 0 && strcmp(line + 7, list_id) != 0) {
		    buf_sprintf(why, "journal %s was written for another list (%s, now %s); "
				"rows are numbered by position, so it cannot be "
				"resumed: use another --name, or remove the journal",
				path, line + 7, list_id);
		    goto bad;
		}
		continue;
	    }
	    if ((line[0] != 'S' && line[0] != 'D') || line[1] != ' ') {
		buf_sprintf(why, "journal %s, line %ld: malformed", path, lineno);
		goto bad;
	    }
	    row = strtol(line + 2, &end, 10);
	    if (end == line + 2 || row <= 0 || (line[0] == 'D' && *end != '\t')
		|| (line[0] == 'S' && *end != 0)) {
		buf_sprintf(why, "journal %s, line %ld: malformed row number", path,
			    lineno);
		goto bad;
	    }
	    if (line[0] == 'S') {
		sub_journal_set(j, row, SUB_J_SENDING);
	    } else {
		if (sub_journal_done(j, row))
		    continue;
		sub_journal_set(j, row, SUB_J_DONE);
		if (old && old(ctx, row, end + 1) < 0) {
		    buf_sprintf(why, "journal %s, line %ld: cannot replay", path, lineno);
		    goto bad;
		}
	    }
	}
	free(line);
	line = 0;
	fclose(fp);
	fp = 0;
    } else if (errno != ENOENT) {
	buf_sprintf(why, "open journal %s: %s", path, strerror(errno));
	goto bad;
    }
    if ((j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
	buf_sprintf(why, "open journal %s: %s", path, strerror(errno));
	goto bad;
    }
    if (lineno == 0) {
	BUF    *hdr = buf_alloc(256);

	buf_sprintf(hdr, "# postbulk-submit journal 1\n# list %s\n", list_id);
	sub_journal_write(j, buf_str(hdr), buf_len(hdr));
	buf_free(hdr);
    } else {
	/* After a torn last line, start ours on a fresh line. */
	sub_journal_write(j, "\n#\n", 3);
    }
    return (j);
bad:
    if (fp)
	fclose(fp);
    free(line);
    free(j->bits);
    free(j->path);
    free(j);
    return (0);
}

/* sub_journal_close - final sync */

int     sub_journal_close(SUB_JOURNAL *j, BUF *why)
{
    int     ret = 0;

    if (j == 0)
	return (0);
    if (fsync(j->fd) < 0 || close(j->fd) < 0 || j->write_error) {
	buf_sprintf(why, "journal %s: write error", j->path);
	ret = -1;
    }
    free(j->bits);
    free(j->path);
    free(j);
    return (ret);
}
