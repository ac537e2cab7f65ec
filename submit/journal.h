#ifndef PF_JOURNAL_H
#define PF_JOURNAL_H

/*
 * NAME
 *	journal 3 - resumable record of a campaign's sent rows
 * SYNOPSIS
 *	#include "journal.h"
 *	SUB_JOURNAL *sub_journal_open(const char *path, const char *list_id,
 *				      int (*old)(void *ctx, long row,
 *						 const char *report_line),
 *				      void *ctx, BUF *why);
 *	int sub_journal_done(SUB_JOURNAL *j, long row);
 *	int sub_journal_uncertain(SUB_JOURNAL *j, long row);
 *	long sub_journal_count(SUB_JOURNAL *j, long *uncertain);
 *	void sub_journal_sending(SUB_JOURNAL *j, long row);
 *	void sub_journal_final(SUB_JOURNAL *j, long row, BUF *report_line);
 *	int sub_journal_close(SUB_JOURNAL *j, BUF *why);
 * DESCRIPTION
 *	An append-only text file, one line per event:
 *	"S ROW" just before the end of a message's data is sent, and
 *	"D ROW<TAB>REPORT-LINE" when the row has its final outcome. Each
 *	line is one write(2), so a kill -9 loses nothing written before
 *	it; fsync(2) runs every submit_journal_sync_rows rows and at
 *	close, bounding what a power loss can lose.
 *
 *	sub_journal_open() replays an existing journal: old() gets each
 *	D line (to copy into the new report), done/sending bits are kept
 *	in a bitmap (two bits per row). list_id (path and size of the
 *	list) must match the one recorded, because rows are numbered by
 *	position.
 *
 *	A row with S but no D ("uncertain") had its data sent but no
 *	reply read: Postfix may or may not have queued it. It is sent
 *	again, and policyd's duplicate guard (REJECT 5.7.1 duplicate in
 *	campaign) stops the second copy when the first was queued.
 * DIAGNOSTICS
 *	Open/replay errors return NULL/-1 with why.
 */
#include "buf.h"

typedef struct SUB_JOURNAL SUB_JOURNAL;

SUB_JOURNAL *sub_journal_open(const char *, const char *,
			         int (*) (void *, long, const char *), void *, BUF *);
int     sub_journal_done(SUB_JOURNAL *, long);
int     sub_journal_uncertain(SUB_JOURNAL *, long);
long    sub_journal_count(SUB_JOURNAL *, long *);
void    sub_journal_sending(SUB_JOURNAL *, long);
void    sub_journal_final(SUB_JOURNAL *, long, BUF *);
int     sub_journal_close(SUB_JOURNAL *, BUF *);

#endif
