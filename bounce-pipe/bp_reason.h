#ifndef PF_BP_REASON_H
#define PF_BP_REASON_H

/*
 * NAME
 *	bp_reason 3 - from status code and remote reply to a reason class
 * SYNOPSIS
 *	#include "bp_reason.h"
 *	void bp_reason_classify(BP_RCPT *r);
 *	int bp_reason_match(const char *reason, const char *lctext);
 *	const char *bp_reason_phrase(const char *lctext);
 *	void bp_lcindex(const char *lctext);
 *	int bp_lcfind(const char *lctext, const char *needle);
 *	void bp_lcindex_drop(void);
 *	const char *bp_status_name(const char *status);
 *	int bp_status_find(const char *text, char *out, size_t len);
 *	int bp_reason_hard(const char *reason, const char *status,
 *			const char *reply);
 *	int bp_reason_sender_side(const char *reason);
 *	int bp_reason_mailbox_soft(const char *reason);
 * DESCRIPTION
 *	bp_reason_classify() decides r->reason and r->hard from the
 *	facts a parser left in r, the way Sisimai (BSD 2-Clause, (C)
 *	azumakuniyuki) does: a reason an MTA-specific parser already set
 *	is kept unless it is a weak one (undefined, onhold, systemerror,
 *	securityerror, networkerror); a 2.X.X status means delivered;
 *	then per-reason tests in a fixed order over the D.S.N code, the
 *	SMTP command and the diagnostic text; then the other text
 *	patterns, the status class, the Action field.
 *
 *	bp_reason_match() tests the patterns of one reason class
 *	against lowercased text (bp_lowercase(): the substring and
 *	literal pre-filters compare bytes). A table regex is split into
 *	its alternatives (bp_rxlit) and only those whose required
 *	literal occurs in the text run; the answer is the whole regex's.
 *	bp_reason_phrase() returns the reason of a fixed MTA error text
 *	found in lctext (qmail, Exim, Courier, Gmail, ... sources), or
 *	NULL.
 *
 *	bp_ascii_lower() lowercases ASCII letters in place and leaves
 *	white space alone (for tests where runs of it matter).
 *
 *	bp_lcfind() answers strstr(lctext, needle) != 0. After
 *	bp_lcindex(lctext), and until bp_lcindex_drop() (call it before
 *	lctext changes), it first looks up the three-byte sequences of
 *	the needle in an index of those of lctext and rules out most
 *	absent needles without a scan. Indexing a text costs about what
 *	one bp_reason_phrase() scan costs, but is free right after
 *	bp_reason_phrase() over the same text.
 *
 *	bp_status_name() maps a D.S.N code to its reason ("" if none);
 *	bp_status_find() picks the D.S.N code out of free text (returns
 *	1 found, 0 not).
 *
 *	bp_reason_hard(): the address itself is bad (userunknown,
 *	hostunknown, hasmoved, notaccept unless temporary).
 *	bp_reason_sender_side(): the class says something about the
 *	sender (reputation, policy, rate, network), never the address.
 *	bp_reason_mailbox_soft(): a soft problem of the mailbox itself
 *	(mailboxfull, suspend, ...), counted toward suppression.
 *
 *	Patterns are compiled when first needed; bp_use_jit (default 0)
 *	makes every module JIT-compile them too, worth it only when many
 *	messages are classified by one process.
 */
#include "bp_report.h"

typedef struct BP_REASON_PAT {
    const char *name;			/* reason class */
    const char *const *index;		/* substrings, lowercase */
    const char *const *isnot;		/* substrings that veto a match */
    const char *regex;			/* PCRE2 extended, caseless */
} BP_REASON_PAT;

typedef struct BP_REASON_PHRASE {
    const char *name;			/* reason class */
    const char *text;			/* lowercase substring or regex */
    int     is_regex;
} BP_REASON_PHRASE;

extern const BP_REASON_PAT bp_reason_sisimai[];	/* bp_reason_tab.c */
extern const BP_REASON_PHRASE bp_reason_engine[];	/* bp_reason_tab.c */
extern const BP_REASON_PAT bp_reason_extra[];		/* bp_reason_extra.c */

void    bp_reason_classify(BP_RCPT *);
int     bp_reason_match(const char *, const char *);
const char *bp_reason_phrase(const char *);
void    bp_lcindex(const char *);
int     bp_lcfind(const char *, const char *);
void    bp_lcindex_drop(void);
const char *bp_status_name(const char *);
int     bp_status_find(const char *, char *, size_t);
int     bp_reason_hard(const char *, const char *, const char *);
int     bp_reason_sender_side(const char *);
int     bp_reason_mailbox_soft(const char *);
void    bp_lowercase(const char *, BUF *);
void    bp_ascii_lower(char *);

extern int bp_use_jit;			/* JIT-compile patterns (batch use) */

#endif
