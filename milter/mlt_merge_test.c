/*
 * NAME
 *	mlt_merge_test 1 - golden-file driver for the template merge
 * SYNOPSIS
 *	mlt_merge_test [-e] [-p prefix] [-f footer-file] [-k keytable -d domain
 *		[-E engine] [-r]] [-n count]
 *		'key=v&...' < message
 * DESCRIPTION
 *	Merges the message on stdin with the variables given (as in
 *	X-Postbulk-Vars) and prints the final headers, an empty line and
 *	the body (CR removed), then, for review, every header decoded
 *	from RFC 2047 as "# decoded Name: text". -e: missing variables
 *	become empty; -p: Subject prefix; -f: advertising footer.
 *	-k/-d: sign for domain with the key table and print the signed
 *	message with CRLF line ends (for an independent verifier).
 *	-E openssl|libopendkim: the DKIM engine (default openssl).
 *	-r: no merge: sign the message as given (raw headers and body).
 *	-n N: time N merges (and signatures with -k) and print the mean
 *	CPU time per message on stderr (a micro-benchmark).
 * DIAGNOSTICS
 *	Prints "error: ..." and exits 1 on a bad variable list, a missing
 *	variable or a message GMime cannot parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "log.h"
#include "buf.h"

#include "mlt_merge.h"
#include "mlt_mime.h"
#include "mlt_dkim.h"

static void read_all(FILE *fp, BUF *out)
{
    char    chunk[8192];
    size_t  n;

    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
	buf_append(out, chunk, n);
}

/* raw_split - headers (folds kept as "\n") and CRLF body of a raw message */

static void raw_split(BUF *in, MLT_HDRS *hdrs, BUF *body)
{
    const char *cp = buf_str(in), *end = cp + buf_len(in), *eol;
    BUF    *name = buf_alloc(64), *val = buf_alloc(256);

    while (cp < end) {
	eol = memchr(cp, '\n', end - cp);
	if (eol == 0)
	    eol = end;
	if (eol == cp || (eol == cp + 1 && *cp == '\r')) {
	    cp = eol < end ? eol + 1 : end;
	    break;
	}
	if ((*cp == ' ' || *cp == '\t') && buf_len(name)) {
	    buf_putc(val, '\n');
	    buf_append(val, cp, eol - cp - (eol > cp && eol[-1] == '\r'));
	} else {
	    const char *colon = memchr(cp, ':', eol - cp);

	    if (buf_len(name))
		mlt_hdrs_add(hdrs, buf_str(name), buf_str(val));
	    buf_reset(name);
	    buf_reset(val);
	    if (colon) {
		buf_append(name, cp, colon - cp);
		colon++;
		colon += (*colon == ' ');
		buf_append(val, colon, eol - colon - (eol > colon && eol[-1] == '\r'));
	    }
	}
	cp = eol < end ? eol + 1 : end;
    }
    if (buf_len(name))
	mlt_hdrs_add(hdrs, buf_str(name), buf_str(val));
    for (; cp < end; cp++) {
	if (*cp == '\n' && (cp == buf_str(in) || cp[-1] != '\r'))
	    buf_putc(body, '\r');
	buf_putc(body, *cp);
    }
    buf_free(name);
    buf_free(val);
}

static void put_crlf(const char *name, const char *value)
{
    printf("%s: ", name);
    for (; *value; value++) {
	if (*value == '\n')
	    putchar('\r');
	putchar(*value);
    }
    printf("\r\n");
}

int     main(int argc, char **argv)
{
    MLT_MERGE_OPTS opts = {0, 0, 0};
    MLT_HDRS hdrs = {0, 0, 0};
    BUF    *in = buf_alloc(8192), *body = buf_alloc(8192), *why = buf_alloc(100);
    BUF    *footer = buf_alloc(256), *fold = buf_alloc(256);
    MLT_VARS *vars = 0;
    size_t  i;
    int     ch, rc, ret = 0;
    const char *table = 0, *domain = 0, *engine = "openssl";
    long    repeat = 0;
    int     raw = 0;
    FILE   *fp;

    log_init("mlt_merge_test", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    while ((ch = getopt(argc, argv, "ep:f:k:d:n:E:r")) > 0) {
	switch (ch) {
	case 'e':
	    opts.missing_empty = 1;
	    break;
	case 'p':
	    opts.subject_prefix = optarg;
	    break;
	case 'f':
	    if ((fp = fopen(optarg, "r")) == 0) {
		fprintf(stderr, "error: open %s: %m\n", optarg);
		return (1);
	    }
	    read_all(fp, footer);
	    fclose(fp);
	    opts.footer = buf_str(footer);
	    break;
	case 'k':
	    table = optarg;
	    break;
	case 'd':
	    domain = optarg;
	    break;
	case 'n':
	    repeat = atol(optarg);
	    break;
	case 'E':
	    engine = optarg;
	    break;
	case 'r':
	    raw = 1;
	    break;
	default:
	    fprintf(stderr, "usage: %s [-e] [-p prefix] [-f footer] vars <msg\n", argv[0]);
	    return (64);
	}
    }
    mlt_mime_init();
    if ((vars = mlt_vars_parse(optind < argc ? argv[optind] : "", why)) == 0) {
	printf("error: bad variables: %s\n", buf_str(why));
	ret = 1;
	goto out;
    }
    read_all(stdin, in);
    if (repeat > 0) {
	struct timespec t0, t1;
	long    k;
	BUF    *info = buf_alloc(100);

	if (table && mlt_dkim_load(table, engine, why) < 0) {
	    printf("error: %s\n", buf_str(why));
	    buf_free(info);
	    ret = 1;
	    goto out;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (k = 0; k < repeat; k++) {
	    MLT_HDRS h = {0, 0, 0}, sg = {0, 0, 0};

	    buf_reset(body);
	    if (mlt_mime_merge(buf_str(in), buf_len(in), vars, &opts, &h, body, why) < 0
		|| (table && mlt_dkim_sign(domain, &h, buf_str(body), buf_len(body),
					   "bench", &sg, info, why) < 0)) {
		printf("error: %s\n", buf_str(why));
		mlt_hdrs_free(&h);
		mlt_hdrs_free(&sg);
		ret = 1;
		break;
	    }
	    mlt_hdrs_free(&h);
	    mlt_hdrs_free(&sg);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	if (ret == 0)
	    fprintf(stderr, "%ld messages, %.1f us CPU per message\n", repeat,
		    ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / repeat);
	buf_free(info);
	goto out;
    }
    if (raw) {
	raw_split(in, &hdrs, body);
	rc = 0;
    } else {
	rc = mlt_mime_merge(buf_str(in), buf_len(in), vars, &opts, &hdrs, body, why);
    }
    if (rc == -1) {
	printf("error: missing variable: %s\n", buf_str(why));
	ret = 1;
	goto out;
    } else if (rc < 0) {
	printf("error: %s\n", buf_str(why));
	ret = 1;
	goto out;
    }
    if (table) {
	MLT_HDRS sigs = {0, 0, 0};
	BUF    *info = buf_alloc(100);

	if (mlt_dkim_load(table, engine, why) < 0 || mlt_dkim_sign(domain, &hdrs,
		    buf_str(body), buf_len(body), "test", &sigs, info, why) < 0) {
	    printf("error: %s\n", buf_str(why));
	    ret = 1;
	}
	for (i = 0; ret == 0 && i < sigs.count; i++)
	    put_crlf(sigs.h[i].name, sigs.h[i].value);
	for (i = 0; ret == 0 && i < hdrs.count; i++) {
	    mlt_fold(hdrs.h[i].name, hdrs.h[i].value, fold);
	    put_crlf(hdrs.h[i].name, buf_str(fold));
	}
	if (ret == 0) {
	    printf("\r\n");
	    fwrite(buf_str(body), 1, buf_len(body), stdout);
	}
	mlt_hdrs_free(&sigs);
	buf_free(info);
	goto out;
    }
    for (i = 0; i < hdrs.count; i++) {
	mlt_fold(hdrs.h[i].name, hdrs.h[i].value, fold);
	printf("%s: %s\n", hdrs.h[i].name, buf_str(fold));
    }
    printf("\n");
    for (i = 0; i < buf_len(body); i++)
	if (buf_str(body)[i] != '\r')
	    putchar(buf_str(body)[i]);
    for (i = 0; i < hdrs.count; i++) {
	char   *dec = g_mime_utils_header_decode_text(NULL, hdrs.h[i].value);

	printf("# decoded %s: %s\n", hdrs.h[i].name, dec);
	g_free(dec);
    }
out:
    mlt_hdrs_free(&hdrs);
    mlt_vars_free(vars);
    buf_free(in);
    buf_free(body);
    buf_free(why);
    buf_free(footer);
    buf_free(fold);
    return (ret);
}
