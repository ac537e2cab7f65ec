/*
 * NAME
 *	common_test 1 - test driver for the common/ library
 * SYNOPSIS
 *	common_test addr [strip] [fold] (lines on stdin)
 *	common_test token (lines on stdin)
 *	common_test cfg FILE
 *	common_test buf
 *	common_test keyfile PATH
 * DESCRIPTION
 *	Golden-file driver (tests/common/NAME.in to NAME.ref). Each input line
 *	is echoed as ">>> line" followed by the result.
 *
 *	addr: normalize each line; prints the key or "error: reason".
 *	token: each line is "make KIND VALUE", "parse TOKEN",
 *	"addr KIND VALUE" or "from ADDR"; key = 32 bytes of 'k'.
 *	cfg: load FILE, apply a small test table, print the values.
 *	buf: exercise growth and printf; prints lengths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "buf.h"
#include "addr.h"
#include "cfg.h"
#include "token.h"

/* chomp - strip the trailing newline */

static void chomp(char *s)
{
    size_t  n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
	s[--n] = 0;
}

static int test_addr(int argc, char **argv)
{
    char    line[2048];
    int     flags = 0;
    BUF    *out = buf_alloc(64);
    BUF    *why = buf_alloc(64);

    for (int i = 2; i < argc; i++) {
	if (strcmp(argv[i], "strip") == 0)
	    flags |= ADDR_STRIP_TAG;
	if (strcmp(argv[i], "fold") == 0)
	    flags |= ADDR_FOLD_LOCAL;
    }
    while (fgets(line, sizeof(line), stdin)) {
	chomp(line);
	printf(">>> %s\n", line);
	if (addr_normalize(line, flags, out, why) == 0)
	    printf("%s\n", buf_str(out));
	else
	    printf("error: %s\n", buf_str(why));
    }
    buf_free(out);
    buf_free(why);
    return (0);
}

static int test_token(void)
{
    char    line[2048];
    TOKEN_KEY key;
    BUF    *out = buf_alloc(64);
    BUF    *val = buf_alloc(64);
    BUF    *why = buf_alloc(64);
    char    secret[32];

    memset(secret, 'k', sizeof(secret));
    token_key_set(&key, secret, sizeof(secret));
    while (fgets(line, sizeof(line), stdin)) {
	char    op[16], a[1024], b[1024];
	int     n;

	chomp(line);
	printf(">>> %s\n", line);
	a[0] = b[0] = 0;
	n = sscanf(line, "%15s %1023s %1023s", op, a, b);
	if (n >= 3 && strcmp(op, "make") == 0) {
	    if (!token_value_ok(b)) {
		printf("error: bad value\n");
		continue;
	    }
	    token_make(&key, a[0], b, out);
	    printf("%s\n", buf_str(out));
	} else if (n >= 2 && strcmp(op, "parse") == 0) {
	    int     kind = 0;
	    int     rc = token_parse(&key, a, &kind, val, why);

	    if (rc == 1)
		printf("valid kind=%c value=%s\n", kind, buf_str(val));
	    else
		printf("%s: %s\n", rc == 0 ? "forged" : "malformed", buf_str(why));
	} else if (n >= 3 && strcmp(op, "addr") == 0) {
	    if (token_make_address(&key, a[0], b, "bounce", "bounces.example.com", out) < 0)
		printf("error: bad value\n");
	    else
		printf("%s\n", buf_str(out));
	} else if (n >= 2 && strcmp(op, "from") == 0) {
	    if (token_from_address(a, "bounce", out) < 0)
		printf("no token\n");
	    else
		printf("token=%s\n", buf_str(out));
	} else {
	    printf("usage error\n");
	}
    }
    buf_free(out);
    buf_free(val);
    buf_free(why);
    return (0);
}

static char *t_str;
static long t_int, t_time, t_size;
static int t_bool;

static const CFG_PARAM test_params[] = {
    {"test_string", CFG_STR, "default-$test_int", &t_str, 0, 0, "a string"},
    {"test_int", CFG_INT, "5", &t_int, 1, 100, "an integer"},
    {"test_time", CFG_TIME, "1h", &t_time, 0, 0, "a time"},
    {"test_size", CFG_SIZE, "10k", &t_size, 0, 0, "a size"},
    {"test_bool", CFG_BOOL, "no", &t_bool, 0, 0, "a boolean"},
    {0},
};

static int test_cfg(const char *path)
{
    BUF    *why = buf_alloc(64);
    CFG    *cfg = cfg_load(path, why);

    if (cfg == 0) {
	printf("error: %s\n", buf_str(why));
	buf_free(why);
	return (0);
    }
    if (cfg_apply(cfg, test_params, why) < 0
	|| cfg_check_unknown(cfg, "test_", test_params, why) < 0) {
	printf("error: %s\n", buf_str(why));
    } else {
	printf("test_string=%s\ntest_int=%ld\ntest_time=%ld\ntest_size=%ld\ntest_bool=%d\n",
	       t_str, t_int, t_time, t_size, t_bool);
    }
    cfg_free(cfg);
    buf_free(why);
    free(t_str);
    return (0);
}

static int test_buf(void)
{
    BUF    *b = buf_alloc(1);

    for (int i = 0; i < 10000; i++)
	buf_printf(b, "%d,", i);
    printf("len=%zu last=%s\n", buf_len(b), buf_str(b) + buf_len(b) - 5);
    buf_sprintf(b, "%s-%d", "x", 1);
    printf("len=%zu str=%s\n", buf_len(b), buf_str(b));
    buf_append(b, "a\0b", 3);
    printf("len=%zu\n", buf_len(b));
    buf_truncate(b, 2);
    printf("len=%zu str=%s\n", buf_len(b), buf_str(b));
    buf_free(b);
    return (0);
}

int     main(int argc, char **argv)
{
    log_init(argv[0], LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    if (argc >= 2 && strcmp(argv[1], "addr") == 0)
	return (test_addr(argc, argv));
    if (argc >= 2 && strcmp(argv[1], "token") == 0)
	return (test_token());
    if (argc >= 3 && strcmp(argv[1], "cfg") == 0)
	return (test_cfg(argv[2]));
    if (argc >= 3 && strcmp(argv[1], "keyfile") == 0) {
	TOKEN_KEY key;
	BUF    *why = buf_alloc(64);

	if (token_key_load(argv[2], &key, why) < 0)
	    printf("error: %s\n", buf_str(why));
	else
	    printf("loaded %zu bytes\n", key.len);
	buf_free(why);
	return (0);
    }
    if (argc >= 2 && strcmp(argv[1], "buf") == 0)
	return (test_buf());
    fprintf(stderr, "usage: common_test addr|token|cfg FILE|buf\n");
    return (64);
}
