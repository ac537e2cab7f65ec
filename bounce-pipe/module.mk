# bounce-pipe/ - postbulk-bounce: DSN/ARF/unsubscribe pipe transport,
# classifier (--classify) and Postfix log follower (--maillog).
BP_CLASSIFY_OBJS := bounce-pipe/bp_mime.o bounce-pipe/bp_bounds.o bounce-pipe/bp_mimescan.o bounce-pipe/bp_report.o \
	bounce-pipe/bp_dsn.o bounce-pipe/bp_arf.o bounce-pipe/bp_scrape.o \
	bounce-pipe/bp_reason.o bounce-pipe/bp_reason_tab.o \
	bounce-pipe/bp_reason_extra.o bounce-pipe/bp_engine.o bounce-pipe/bp_rhost.o \
	bounce-pipe/bp_classify.o bounce-pipe/bp_rxlit.o
BP_CLASSIFY_LIB  := bounce-pipe/libbpclassify.a
BP_MAIN_OBJS	 := bounce-pipe/bp_main.o bounce-pipe/bp_params.o \
	bounce-pipe/bp_pipe.o bounce-pipe/bp_effects.o \
	bounce-pipe/bp_quarantine.o bounce-pipe/bp_maillog.o
BP_LIBS		 := -lpcre2-8

LIBS	   += $(BP_CLASSIFY_LIB)
PROGS	   += bounce-pipe/postbulk-bounce
MANS	   += bounce-pipe/postbulk-bounce.8
TEST_PROGS += bounce-pipe/bp_test bounce-pipe/bp_rxlit_test bounce-pipe/bp_mimescan_test
CLEAN	   += $(BP_CLASSIFY_LIB) bounce-pipe/bp_test bounce-pipe/bp_rxlit_test \
	bounce-pipe/bp_mimescan_test

$(BP_CLASSIFY_LIB): $(BP_CLASSIFY_OBJS)
	rm -f $@ && ar rcs $@ $^

# The pipe transport starts one process per bounce: most of its CPU time
# is the dynamic loader (22 libraries). --as-needed drops the unused ones;
# BP_STATIC=1 (the default when libgmime-3.0.a is installed, as Debian's
# -dev packages ship it) links GMime, GLib, PCRE2, Berkeley DB and
# libcrypto statically: startup 2.8 -> 1.6 ms CPU, pipe(8) ingestion about
# +50 %. make BP_STATIC=0 links everything dynamically.
# Sanitizer builds stay dynamic (LeakSanitizer suppressions name .so files).
BP_STATIC ?= $(if $(filter 1,$(SANITIZE)),0,$(if $(filter /%,$(shell $(CC) -print-file-name=libgmime-3.0.a)),1,0))
# About a sixth of the classifier's instructions went to malloc/free
# (GMime builds and frees a dozen GObjects per MIME part): mimalloc
# (Debian libmimalloc-dev) replaces the allocator process-wide, about
# -14 % instructions per message, start-up unchanged. BP_MIMALLOC=1 is
# the default when the library is installed; never with sanitizers.
BP_MIMALLOC ?= $(if $(filter 1,$(SANITIZE)),0,$(if $(filter /%,$(shell $(CC) -print-file-name=libmimalloc.so)),1,0))
BP_MALLOC := $(if $(filter 1,$(BP_MIMALLOC)),-lmimalloc)
ifeq ($(BP_STATIC),1)
BP_LINK := -Wl,-Bstatic -lgmime-3.0 -lgio-2.0 -lgobject-2.0 -lgmodule-2.0 \
	-lglib-2.0 -lffi -lpcre2-8 -ldb-5.3 -lcrypto -lz -Wl,-Bdynamic $(BP_MALLOC) \
	-l:libgpgme.so.11 -lgpg-error -l:libmount.so.1 -lselinux -lidn2 \
	-lpthread -lm -ldl
else
BP_LINK := $(BP_MALLOC) $(LDLIBS) $(BP_LIBS)
endif

bounce-pipe/postbulk-bounce: $(BP_MAIN_OBJS) $(BP_CLASSIFY_LIB) $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -Wl,--as-needed -o $@ $^ $(BP_LINK)

# Test driver for tests/bounce/*.t: seeds and inspects a db, holds locks.
bounce-pipe/bp_test: bounce-pipe/bp_test.o $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Test driver for tests/bounce/rxlit.t: split table regexes match as the whole.
bounce-pipe/bp_rxlit_test: bounce-pipe/bp_rxlit_test.o $(BP_CLASSIFY_LIB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(BP_LIBS)

# Test driver for tests/bounce/mimescan.t: the line scan against GMime.
bounce-pipe/bp_mimescan_test: bounce-pipe/bp_mimescan_test.o $(BP_CLASSIFY_LIB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(BP_LIBS)

# Benchmark: --classify over the shared corpus against Sisimai, and the
# Postfix pipe transport into the db (tests/bounce/bench.sh).
bench-bounce: bounce-pipe/postbulk-bounce bounce-pipe/bp_test
	@tests/bounce/bench.sh

# libFuzzer + ASan target; run it in a copy of the tree, never here.
FUZZ_CC ?= clang
fuzz-bounce: bounce-pipe/fuzz_bounce.c $(BP_CLASSIFY_OBJS:.o=.c) common/buf.c common/mem.c common/log.c common/hash64.c
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -Icommon -Ibounce-pipe \
		$(PKG_CFLAGS) -o bounce-pipe/fuzz_bounce $^ $(PKG_LIBS) $(BP_LIBS)

.PHONY: bench-bounce fuzz-bounce
