#ifndef PF_MLT_TEMPLATE_H
#define PF_MLT_TEMPLATE_H

/*
 * NAME
 *	mlt_template 3 - template files, cached and reloaded on change
 * SYNOPSIS
 *	#include "mlt_template.h"
 *	int mlt_template_get(const char *dir, const char *name, BUF *out,
 *			     BUF *why);
 *	int mlt_template_name_ok(const char *name);
 * DESCRIPTION
 *	mlt_template_get() copies the template NAME of directory dir into
 *	out. Files are read once and kept in memory; a file is looked at
 *	again (stat) at most once a second, and read again when its
 *	mtime, size or inode changed. Safe for concurrent threads.
 *	A name is [A-Za-z0-9_.-], at most 128 characters, not starting
 *	with a dot (mlt_template_name_ok), so it cannot leave dir.
 * DIAGNOSTICS
 *	Returns 1 = found, 0 = no such template (or a bad name), -1 =
 *	the file exists but cannot be read; why names the file.
 */
#include "buf.h"

int     mlt_template_get(const char *, const char *, BUF *, BUF *);
int     mlt_template_name_ok(const char *);

#endif
