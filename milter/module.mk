# milter/ - postbulk-milter: template merge, VERP, List-Unsubscribe,
# DKIM signing (libopendkim), message records, scheduled hold.
MLT_CORE_OBJS := milter/mlt_merge.o milter/mlt_mime.o milter/mlt_dkim.o milter/mlt_dkimsig.o
MLT_LIBS      := -lmilter -lopendkim

TEST_PROGS  += milter/mlt_merge_test
CLEAN	    += milter/mlt_merge_test

milter/mlt_merge_test: milter/mlt_merge_test.o $(MLT_CORE_OBJS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lopendkim

MLT_OBJS := milter/mlt_main.o milter/mlt_filter.o milter/mlt_params.o \
	    milter/mlt_template.o milter/mlt_ids.o milter/mlt_record.o $(MLT_CORE_OBJS)
PROGS	 += milter/postbulk-milter
MANS	 += milter/postbulk-milter.8
CLEAN	 += milter/postbulk-milter $(MLT_OBJS) milter/mlt_merge_test.o

milter/postbulk-milter: $(MLT_OBJS) $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MLT_LIBS)

TEST_PROGS  += milter/mlt_record_test
CLEAN	    += milter/mlt_record_test milter/mlt_record_test.o

milter/mlt_record_test: milter/mlt_record_test.o $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_PROGS  += milter/mlt_token_test
CLEAN	    += milter/mlt_token_test milter/mlt_token_test.o

milter/mlt_token_test: milter/mlt_token_test.o $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer + ASan/UBSan target for the template engine. Built from the
# sources (not the shared objects), so it never mixes sanitizer and plain
# objects in this tree: make fuzz-milter FUZZ_TIME=600
FUZZ_TIME ?= 600
MLT_FUZZ_SRCS := milter/mlt_merge_fuzz.c milter/mlt_merge.c milter/mlt_mime.c \
		 milter/mlt_dkimsig.c common/buf.c common/mem.c common/log.c
CLEAN	    += milter/mlt_merge_fuzz

milter/mlt_merge_fuzz: $(MLT_FUZZ_SRCS)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
		-Icommon -Imilter $(PKG_CFLAGS) -o $@ $(MLT_FUZZ_SRCS) $(PKG_LIBS)

fuzz-milter: milter/mlt_merge_fuzz
	mkdir -p tests/logs/milter-fuzz-corpus
	cp tests/milter/merge/*.in tests/logs/milter-fuzz-corpus/ 2>/dev/null || true
	milter/mlt_merge_fuzz -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 \
		tests/logs/milter-fuzz-corpus

.PHONY: fuzz-milter

# make bench-milter [BENCH_N=20000]: bare Postfix vs OpenDKIM vs postbulk-milter.
bench-milter: milter/postbulk-milter
	tests/milter/bench.sh $(BENCH_N)

.PHONY: bench-milter

# "postbulk release --due" and "postbulk cancel CAMPAIGN" (db/cli_schedule.c,
# registered in db/cli_table.c): the scheduling half of the milter's hold.
db/postbulk: db/cli_schedule.o
CLEAN	 += db/cli_schedule.o
