/*
 * NAME
 *	mlt_template 3 - template files, cached and reloaded on change
 * DESCRIPTION
 *	See mlt_template.h. A campaign sends thousands of messages with
 *	one template: reading the file for each would cost a syscall
 *	storm for nothing, so the bytes stay in memory and only a stat,
 *	at most once a second per template, notices an edit.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "buf.h"

#include "mlt_template.h"

typedef struct MLT_TPL {
    struct MLT_TPL *next;
    char   *path;
    BUF    *data;
    struct timespec mtime;
    off_t   size;
    ino_t   ino;
    time_t  checked;
} MLT_TPL;

static MLT_TPL *mlt_tpl_list;
static pthread_mutex_t mlt_tpl_lock = PTHREAD_MUTEX_INITIALIZER;

/* mlt_template_name_ok - safe file name */

int     mlt_template_name_ok(const char *name)
{
    const char *cp;

    if (name == 0 || *name == 0 || *name == '.' || strlen(name) > 128)
	return (0);
    for (cp = name; *cp; cp++)
	if (!((*cp >= 'a' && *cp <= 'z') || (*cp >= 'A' && *cp <= 'Z')
	      || (*cp >= '0' && *cp <= '9') || *cp == '_' || *cp == '.' || *cp == '-'))
	    return (0);
    return (1);
}

/* mlt_tpl_read - read a whole file */

static int mlt_tpl_read(const char *path, BUF *data, struct stat *st, BUF *why)
{
    int     fd;
    ssize_t n;
    char    chunk[8192];

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
	buf_sprintf(why, "template %s: %s", path, strerror(errno));
	return (errno == ENOENT ? 0 : -1);
    }
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
	buf_sprintf(why, "template %s: not a regular file", path);
	close(fd);
	return (-1);
    }
    buf_reset(data);
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
	buf_append(data, chunk, n);
    if (n < 0) {
	buf_sprintf(why, "template %s: read: %s", path, strerror(errno));
	close(fd);
	return (-1);
    }
    close(fd);
    return (1);
}

/* mlt_template_get - cached copy of one template */

int     mlt_template_get(const char *dir, const char *name, BUF *out, BUF *why)
{
    BUF    *path;
    MLT_TPL *tp;
    struct stat st;
    time_t  now = time((time_t *) 0);
    int     ret = 1;

    if (!mlt_template_name_ok(name)) {
	buf_sprintf(why, "bad template name");
	return (0);
    }
    path = buf_alloc(256);
    buf_sprintf(path, "%s/%s", dir, name);
    pthread_mutex_lock(&mlt_tpl_lock);
    for (tp = mlt_tpl_list; tp; tp = tp->next)
	if (strcmp(tp->path, buf_str(path)) == 0)
	    break;
    if (tp != 0 && tp->checked != now) {
	if (stat(tp->path, &st) < 0) {
	    buf_sprintf(why, "template %s: %s", tp->path, strerror(errno));
	    ret = (errno == ENOENT ? 0 : -1);
	} else if (st.st_mtim.tv_sec != tp->mtime.tv_sec
		   || st.st_mtim.tv_nsec != tp->mtime.tv_nsec
		   || st.st_size != tp->size || st.st_ino != tp->ino) {
	    ret = mlt_tpl_read(tp->path, tp->data, &st, why);
	    if (ret > 0) {
		tp->mtime = st.st_mtim;
		tp->size = st.st_size;
		tp->ino = st.st_ino;
	    }
	}
	if (ret > 0)
	    tp->checked = now;
    } else if (tp == 0) {
	tp = xcalloc(1, sizeof(*tp));
	tp->path = xstrdup(buf_str(path));
	tp->data = buf_alloc(8192);
	ret = mlt_tpl_read(tp->path, tp->data, &st, why);
	if (ret > 0) {
	    tp->mtime = st.st_mtim;
	    tp->size = st.st_size;
	    tp->ino = st.st_ino;
	    tp->checked = now;
	    tp->next = mlt_tpl_list;
	    mlt_tpl_list = tp;
	} else {
	    buf_free(tp->data);
	    free(tp->path);
	    free(tp);
	    tp = 0;
	}
    }
    if (ret > 0) {
	buf_reset(out);
	buf_append(out, buf_str(tp->data), buf_len(tp->data));
    }
    pthread_mutex_unlock(&mlt_tpl_lock);
    buf_free(path);
    return (ret);
}
