#ifndef PF_BP_QUARANTINE_H
#define PF_BP_QUARANTINE_H

/*
 * NAME
 *	bp_quarantine 3 - keep a returned message for the administrator
 * SYNOPSIS
 *	#include "bp_quarantine.h"
 *	int bp_quarantine_save(const char *dir, const char *kind,
 *			const char *data, size_t len, const char *note,
 *			BUF *path, BUF *why);
 * DESCRIPTION
 *	Writes data durably to DIR/KIND/TIME.PID.RAND.eml (kind is
 *	"forged", "unparsed" or "unmatched"): a temporary file, fsync,
 *	rename, fsync of the directory. The directories are created
 *	(mode 0750) when missing. note, when not NULL, is written first
 *	as an "X-Postbulk-Quarantine:" header line. The file name goes
 *	to path.
 * DIAGNOSTICS
 *	0, or -1 with the reason in why (the caller then defers).
 */
#include <stddef.h>

#include "buf.h"

int     bp_quarantine_save(const char *, const char *, const char *, size_t,
			           const char *, BUF *, BUF *);

#endif
