# policyd/ - postbulk-policyd, the Postfix policy server (issue 3).
POL_OBJS := policyd/pol_request.o policyd/pol_params.o policyd/pol_clock.o \
	    policyd/pol_rate.o policyd/pol_htab.o policyd/pol_guard.o \
	    policyd/pol_rules.o policyd/pol_server.o policyd/pol_addr.o \
	    policyd/pol_suppfilter.o
POL_LIB  := policyd/libpol.a

PROGS	   += policyd/postbulk-policyd
MANS	   += policyd/postbulk-policyd.8
TEST_PROGS += policyd/pol_request_test policyd/pol_unit_test \
	      policyd/pol_dbtool policyd/pol_bench
CLEAN	   += $(POL_LIB) policyd/postbulk-policyd policyd/pol_request_test \
	      policyd/pol_unit_test policyd/pol_dbtool policyd/pol_bench

$(POL_LIB): $(POL_OBJS)
	rm -f $@ && ar rcs $@ $^

policyd/postbulk-policyd: policyd/postbulk-policyd.o $(POL_LIB) $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

policyd/pol_request_test: policyd/pol_request_test.o policyd/pol_request.o $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

policyd/pol_unit_test: policyd/pol_unit_test.o $(POL_LIB) $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

policyd/pol_dbtool: policyd/pol_dbtool.o $(POL_LIB) $(LIBPFDB) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

policyd/pol_bench: policyd/pol_bench.o $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

build: $(TEST_PROGS)

bench-policyd: policyd/postbulk-policyd policyd/pol_bench policyd/pol_dbtool
	tests/policyd/bench.sh

.PHONY: bench-policyd

# "postbulk guard show|reset DOMAIN" (db/cli_guard.c, the policyd part of
# the admin CLI; its cli_commands[] line lives in db/cli_table.c).
db/postbulk: db/cli_guard.o
CLEAN	   += db/cli_guard.o
