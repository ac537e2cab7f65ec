# submit/ - postbulk-submit: sendmail-compatible submission and CSV campaigns.
SUB_LIB_SRCS := submit/sub_params.c submit/smtp_client.c submit/addr_list.c \
	submit/hangul.c submit/typo.c submit/csv_list.c submit/dedup.c submit/journal.c \
	submit/report.c submit/progress.c submit/message.c submit/retry.c
SUB_LIB_OBJS := $(SUB_LIB_SRCS:.c=.o)
SUB_PROG_OBJS := submit/main.o submit/sendmail.o submit/campaign.o

PROGS	   += submit/postbulk-submit
MANS	   += submit/postbulk-submit.1
TEST_PROGS += submit/typo_test submit/retry_test
CLEAN	   += submit/libsubmit.a submit/fuzz_csv

submit/libsubmit.a: $(SUB_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

submit/postbulk-submit: $(SUB_PROG_OBJS) submit/libsubmit.a $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcsv

submit/typo_test: submit/typo_test.o submit/libsubmit.a $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

submit/retry_test: submit/retry_test.o submit/libsubmit.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer target (not part of "make"): build it in a copy of the tree,
#   mkdir /tmp/x && tar --exclude=.git -cf - . | tar -C /tmp/x -xf - && make -C /tmp/x fuzz-submit
#   /tmp/x/submit/fuzz_csv -max_total_time=600 /tmp/x/submit/fuzz-corpus
SUB_FUZZ_SRCS := submit/fuzz_csv.c submit/csv_list.c submit/typo.c submit/hangul.c \
	submit/dedup.c submit/report.c submit/message.c submit/smtp_client.c \
	common/addr.c common/buf.c common/mem.c common/log.c

fuzz-submit:
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Icommon -Idb -Isubmit -o submit/fuzz_csv $(SUB_FUZZ_SRCS) \
		-lcsv -lidn2 -lcrypto
	mkdir -p submit/fuzz-corpus
	cp tests/submit/typo.in submit/fuzz-corpus/typo.in
	printf '\000\000email,name\r\nhong@naver.com,"a ""b"", c"\r\n' >submit/fuzz-corpus/csv1
	printf '\004\007email\tname\n\xc8\xab@\xa4\xbb.kr\t\xb1\xe8\n' >submit/fuzz-corpus/cp949

.PHONY: fuzz-submit

# make bench-submit: campaign vs smtp-source into a lab Postfix, 1M-row dry-run RSS.
bench-submit: submit/postbulk-submit
	tests/submit/bench.sh

.PHONY: bench-submit
