# db/ - the shared Berkeley DB store (libpfdb.a), the postbulk admin CLI,
# the db test driver and the bench-db benchmark.
PFDB_SRCS := db/pfdb_env.c db/pfdb_codec.c db/pfdb_kv.c db/pfdb_tables.c \
	     db/pfdb_supp.c db/pfdb_msg.c db/pfdb_campaign.c db/pfdb_counter.c \
	     db/pfdb_backoff.c db/pfdb_status.c db/pfdb_verify.c \
	     db/pfdb_rescue.c
PFDB_OBJS := $(PFDB_SRCS:.c=.o)
LIBPFDB   := db/libpfdb.a
LIBS	  += $(LIBPFDB)

$(LIBPFDB): $(PFDB_OBJS)
	rm -f $@ && ar rcs $@ $^

CLEAN	  += $(PFDB_OBJS)

# Test driver (tests/db/*.t), built by make, not installed.
TEST_PROGS += db/pfdb_test
CLEAN	   += db/pfdb_test db/pfdb_test.o
db/pfdb_test: db/pfdb_test.o $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The admin CLI. Other parts add "db/postbulk: db/cli_NAME.o" (see cli.h).
CLI_SRCS  += db/cli_main.c db/cli_table.c db/cli_suppress.c db/cli_status.c \
	     db/cli_export.c db/cli_db.c
CLI_OBJS   = $(CLI_SRCS:.c=.o)
PROGS	  += db/postbulk
MANS	  += db/postbulk.8
CLEAN	  += $(CLI_OBJS)
db/postbulk: $(CLI_OBJS) $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBPFDB) $(LIBCOMMON) $(LDLIBS)

# Benchmark: 1M suppressions imported, then random lookups on one core.
bench-db: db/postbulk db/pfdb_test
	@db/bench-db.sh

.PHONY: bench-db
