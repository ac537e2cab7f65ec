/*
 * NAME
 *	bp_rxlit_test 1 - test driver for bp_rxlit (tests/bounce/rxlit.t)
 * SYNOPSIS
 *	bp_rxlit_test split [-b] PATTERN...
 *	bp_rxlit_test equiv FILE...
 * DESCRIPTION
 *	split: prints, for each PATTERN (PCRE2 extended syntax unless
 *	-b), its alternatives and their required literals, one per line
 *	as "LITERAL<TAB>SOURCE" ("-" for none; newlines of the source
 *	shown as spaces), or "unsupported".
 *
 *	equiv: the promise bp_reason relies on. Every regex of the reason
 *	tables is matched against texts two ways, as a whole and split
 *	(only the alternatives whose literal occurs, each on its own),
 *	and the answers must agree. The texts are each FILE, each of its
 *	lines, and, for every alternative, its literal inside filler
 *	words (so that every alternative is tried at least once), all
 *	lowercased like the classifier's texts (bp_lowercase). Prints
 *	"ok - ..." or "not ok - ..." lines and the counts.
 * DIAGNOSTICS
 *	Exit status 0 when every check agrees, 1 otherwise, 64 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mem.h"
#include "log.h"
#include "buf.h"

#include "bp_reason.h"
#include "bp_rxlit.h"

static pcre2_match_data *md;

/* compile - panic on a bad pattern: the tables are built in */

static pcre2_code *compile(const char *pat)
{
    pcre2_code *re;
    int     err;
    PCRE2_SIZE off;

    if ((re = pcre2_compile((PCRE2_SPTR) pat, PCRE2_ZERO_TERMINATED,
			    PCRE2_EXTENDED | PCRE2_CASELESS, &err, &off, NULL)) == 0)
	log_fatal("cannot compile at %zu: %.80s", (size_t) off, pat);
    return (re);
}

static int run(pcre2_code *re, const char *text)
{
    return (pcre2_match(re, (PCRE2_SPTR) text, strlen(text), 0, 0, md, NULL) >= 0);
}

typedef struct PAT {
    const char *name;
    pcre2_code *whole;
    int     nalt;
    BP_RXALT *alt;
    pcre2_code **re;
} PAT;

static PAT *pats;
static int npat;

static void add_pattern(const char *name, const char *regex)
{
    PAT    *p;
    int     i;

    pats = xrealloc(pats, (size_t) (npat + 1) * sizeof(*pats));
    p = pats + npat++;
    p->name = name;
    p->whole = compile(regex);
    if ((p->nalt = bp_rxlit_split(regex, 1, &p->alt)) < 0)
	log_fatal("%s: table regex not split", name);
    p->re = xcalloc(p->nalt, sizeof(*p->re));
    for (i = 0; i < p->nalt; i++)
	p->re[i] = compile(p->alt[i].src);
}

/* split_match - the answer bp_reason computes */

static int split_match(PAT *p, const char *text)
{
    int     i;

    for (i = 0; i < p->nalt; i++)
	if ((p->alt[i].lit == 0 || strstr(text, p->alt[i].lit)) && run(p->re[i], text))
	    return (1);
    return (0);
}

/* full_match - the whole alternation, and each alternative anywhere */

static int alt_any(PAT *p, const char *text)
{
    int     i;

    for (i = 0; i < p->nalt; i++)
	if (run(p->re[i], text))
	    return (1);
    return (0);
}

static long checks, hits, bad;

static void check(const char *text, const char *what)
{
    int     i, w, s, a;

    for (i = 0; i < npat; i++) {
	checks++;
	w = run(pats[i].whole, text);
	s = split_match(pats + i, text);
	a = alt_any(pats + i, text);
	hits += w;
	if (w != s || w != a) {
	    bad++;
	    printf("not ok - %s on %s: whole=%d split=%d alternatives=%d: %.100s\n",
		   pats[i].name, what, w, s, a, text);
	}
    }
}

static int equiv(int argc, char **argv)
{
    BUF    *data = buf_alloc(65536), *lc = buf_alloc(65536), *t = buf_alloc(256);
    char    blk[65536];
    size_t  n;
    int     i, j, k;
    FILE   *fp;

    for (i = 0; bp_reason_sisimai[i].name; i++)
	if (bp_reason_sisimai[i].regex)
	    add_pattern(bp_reason_sisimai[i].name, bp_reason_sisimai[i].regex);
    for (i = 0; bp_reason_extra[i].name; i++)
	if (bp_reason_extra[i].regex)
	    add_pattern(bp_reason_extra[i].name, bp_reason_extra[i].regex);

    /* Each literal in filler: every alternative is given a chance. */
    for (j = 0; j < npat; j++)
	for (k = 0; k < pats[j].nalt; k++) {
	    if (pats[j].alt[k].lit == 0)
		continue;
	    buf_sprintf(t, "550 5.1.1 <a@example.com>: %s x@example.org 192.0.2.1 user",
			pats[j].alt[k].lit);
	    check(buf_str(t), "a literal");
	    buf_sprintf(t, "%s", pats[j].alt[k].lit);
	    check(buf_str(t), "a literal");
	}
    for (i = 0; i < argc; i++) {
	if ((fp = fopen(argv[i], "r")) == 0)
	    log_fatal("%s: %m", argv[i]);
	buf_reset(data);
	while ((n = fread(blk, 1, sizeof(blk), fp)) > 0)
	    buf_append(data, blk, n);
	fclose(fp);
	/* The whole text, then line by line. */
	bp_lowercase(buf_str(data), lc);
	check(buf_str(lc), argv[i]);
	for (char *s = buf_str(data), *e; *s; s = *e ? e + 1 : e) {
	    if ((e = strchr(s, '\n')) == 0)
		e = s + strlen(s);
	    buf_reset(t);
	    buf_append(t, s, (size_t) (e - s));
	    bp_lowercase(buf_str(t), lc);
	    if (buf_len(lc))
		check(buf_str(lc), argv[i]);
	}
    }
    if (bad == 0)
	printf("ok - %d table regexes: whole and split agree on %ld checks (%ld matches)\n",
	       npat, checks, hits);
    if (hits == 0)
	printf("not ok - no text matched any regex: the test proves nothing\n");
    buf_free(data);
    buf_free(lc);
    buf_free(t);
    return (bad || hits == 0);
}

static int split(int argc, char **argv)
{
    BP_RXALT *alt;
    int     i, j, n, extended = 1;

    for (i = 0; i < argc; i++) {
	if (strcmp(argv[i], "-b") == 0) {
	    extended = 0;
	    continue;
	}
	if ((n = bp_rxlit_split(argv[i], extended, &alt)) < 0) {
	    printf("unsupported\n");
	    continue;
	}
	for (j = 0; j < n; j++) {
	    char   *c;

	    /* One line each: the source's own newlines as spaces. */
	    for (c = alt[j].src; *c; c++)
		if (*c == '\n')
		    *c = ' ';
	    printf("%s\t%s\n", alt[j].lit ? alt[j].lit : "-", alt[j].src);
	}
	bp_rxlit_free(alt, n);
    }
    return (0);
}

int     main(int argc, char **argv)
{
    log_init("bp_rxlit_test", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    md = pcre2_match_data_create(8, NULL);
    if (argc >= 2 && strcmp(argv[1], "split") == 0)
	return (split(argc - 2, argv + 2));
    if (argc >= 2 && strcmp(argv[1], "equiv") == 0)
	return (equiv(argc - 2, argv + 2));
    fprintf(stderr, "usage: bp_rxlit_test split [-b] PATTERN... | equiv FILE...\n");
    return (EX_USAGE);
}
