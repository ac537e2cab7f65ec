/*
 * NAME
 *	bp_quarantine 3 - keep a returned message for the administrator
 * DESCRIPTION
 *	See bp_quarantine.h. A message is acknowledged to Postfix only
 *	after its quarantine copy is on disk: a crash between the two can
 *	at worst leave a copy of a message Postfix then delivers again.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "buf.h"

#include "bp_quarantine.h"

/* bp_mkdirs - mkdir -p, mode 0750 */

static int bp_mkdirs(const char *path, BUF *why)
{
    BUF    *p = buf_alloc(strlen(path) + 1);
    char   *s;

    buf_puts(p, path);
    for (s = buf_str(p) + 1; *s; s++) {
	if (*s != '/')
	    continue;
	*s = 0;
	if (mkdir(buf_str(p), 0750) < 0 && errno != EEXIST) {
	    buf_sprintf(why, "mkdir %s: %s", buf_str(p), strerror(errno));
	    buf_free(p);
	    return (-1);
	}
	*s = '/';
    }
    if (mkdir(buf_str(p), 0750) < 0 && errno != EEXIST) {
	buf_sprintf(why, "mkdir %s: %s", buf_str(p), strerror(errno));
	buf_free(p);
	return (-1);
    }
    buf_free(p);
    return (0);
}

/* bp_write_all - write(2) until done */

static int bp_write_all(int fd, const char *data, size_t len)
{
    ssize_t n;

    while (len > 0) {
	if ((n = write(fd, data, len)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (-1);
	}
	data += n;
	len -= (size_t) n;
    }
    return (0);
}

/* bp_quarantine_save - durable copy */

int     bp_quarantine_save(const char *dir, const char *kind, const char *data,
			           size_t len, const char *note, BUF *path, BUF *why)
{
    BUF    *sub = buf_alloc(256), *tmp = buf_alloc(256), *hdr = buf_alloc(256);
    struct timespec ts;
    int     fd = -1, dfd, ret = -1;
    char    qbuf[512];

    buf_sprintf(sub, "%s/%s", dir, kind);
    if (bp_mkdirs(buf_str(sub), why) < 0)
	goto out;
    clock_gettime(CLOCK_REALTIME, &ts);
    buf_sprintf(path, "%s/%lld.%09ld.%ld.eml", buf_str(sub), (long long) ts.tv_sec,
		ts.tv_nsec, (long) getpid());
    buf_sprintf(tmp, "%s/.tmp.%ld.%ld", buf_str(sub), (long) getpid(), ts.tv_nsec);
    if ((fd = open(buf_str(tmp), O_WRONLY | O_CREAT | O_EXCL, 0640)) < 0) {
	buf_sprintf(why, "create %s: %s", buf_str(tmp), strerror(errno));
	goto out;
    }
    if (note)
	buf_sprintf(hdr, "X-Postbulk-Quarantine: %s\n",
		    log_quote(note, qbuf, sizeof(qbuf)));
    if (bp_write_all(fd, buf_str(hdr), buf_len(hdr)) < 0
	|| bp_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
	buf_sprintf(why, "write %s: %s", buf_str(tmp), strerror(errno));
	(void) unlink(buf_str(tmp));
	goto out;
    }
    if (close(fd) < 0) {
	fd = -1;
	buf_sprintf(why, "close %s: %s", buf_str(tmp), strerror(errno));
	(void) unlink(buf_str(tmp));
	goto out;
    }
    fd = -1;
    if (rename(buf_str(tmp), buf_str(path)) < 0) {
	buf_sprintf(why, "rename %s: %s", buf_str(tmp), strerror(errno));
	(void) unlink(buf_str(tmp));
	goto out;
    }
    if ((dfd = open(buf_str(sub), O_RDONLY | O_DIRECTORY)) >= 0) {
	(void) fsync(dfd);
	(void) close(dfd);
    }
    ret = 0;
out:
    if (fd >= 0)
	(void) close(fd);
    buf_free(sub);
    buf_free(tmp);
    buf_free(hdr);
    return (ret);
}
