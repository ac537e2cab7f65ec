/*
 * NAME
 *	mlt_token_test 1 - check a VERP or unsubscribe address (test driver)
 * SYNOPSIS
 *	mlt_token_test KEYFILE PREFIX ADDRESS
 *	mlt_token_test -m KEYFILE KIND VALUE PREFIX DOMAIN
 * DESCRIPTION
 *	-m makes an address instead (KIND m, c or u) and prints it.
 *	Extracts the token of ADDRESS (PREFIX+TOKEN@domain) and checks it
 *	with token_parse() under the key in KEYFILE. Prints "valid KIND
 *	VALUE", "forged" or "malformed: reason".
 * DIAGNOSTICS
 *	Exit 0 only for a valid token.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "buf.h"
#include "token.h"

int     main(int argc, char **argv)
{
    TOKEN_KEY key;
    BUF    *why = buf_alloc(100), *tok = buf_alloc(100), *val = buf_alloc(100);
    int     kind, rc, ret = 1;

    log_init("mlt_token_test", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    if (argc == 7 && strcmp(argv[1], "-m") == 0) {
	if (token_key_load(argv[2], &key, why) < 0
	    || token_make_address(&key, argv[3][0], argv[4], argv[5], argv[6], tok) < 0) {
	    printf("error: cannot make a token: %s\n", buf_str(why));
	} else {
	    printf("%s\n", buf_str(tok));
	    ret = 0;
	}
    } else if (argc != 4) {
	fprintf(stderr, "usage: %s keyfile prefix address\n"
		"       %s -m keyfile kind value prefix domain\n", argv[0], argv[0]);
	ret = 64;
    } else if (token_key_load(argv[1], &key, why) < 0) {
	printf("error: %s\n", buf_str(why));
    } else if (token_from_address(argv[3], argv[2], tok) < 0) {
	printf("malformed: no %s+TOKEN in %s\n", argv[2], argv[3]);
    } else {
	rc = token_parse(&key, buf_str(tok), &kind, val, why);
	if (rc == 1)
	    printf("valid %c %s\n", kind, buf_str(val));
	else if (rc == 0)
	    printf("forged\n");
	else
	    printf("malformed: %s\n", buf_str(why));
	ret = (rc == 1 ? 0 : 1);
    }
    buf_free(why);
    buf_free(tok);
    buf_free(val);
    return (ret);
}
