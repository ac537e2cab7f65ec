# postfix-conf/ - Postfix wiring (postbulk-conf), fragments, systemd units,
# and the DNS doctor (db/doctor*.c, built here as a standalone program
# until the postbulk CLI registers it).
CONF_PLAN_OBJS := postfix-conf/conf_plan.o postfix-conf/conf_params.o

PROGS	+= postfix-conf/postbulk-conf-plan postfix-conf/postbulk-conf
MANS	+= postfix-conf/postbulk-conf.8
CLEAN	+= postfix-conf/postbulk-conf-plan $(CONF_PLAN_OBJS)

postfix-conf/postbulk-conf-plan: $(CONF_PLAN_OBJS) db/doctor_dns.o $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lspf2

postfix-conf/conf_plan.o postfix-conf/conf_params.o: CFLAGS += -Ipostfix-conf

# postbulk doctor (sources in db/, see db/doctor.h), standalone program.
DOCTOR_OBJS := db/doctor.o db/doctor_dns.o db/doctor_dkim.o
PROGS	+= postfix-conf/postbulk-doctor
MANS	+= postfix-conf/postbulk-doctor.8
CLEAN	+= postfix-conf/postbulk-doctor $(DOCTOR_OBJS) db/doctor_main.o

postfix-conf/postbulk-doctor: db/doctor_main.o $(DOCTOR_OBJS) $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lspf2

# The sample postbulk.cf is generated from every program's parameter table
# at build time, so it always lists every parameter (tests/conf/params.t
# checks it); it is also committed, for readers of the repository.
TEST_PROGS += postfix-conf/conf_sample
CLEAN	+= postfix-conf/conf_sample postfix-conf/conf_sample.o
postfix-conf/conf_sample.o: CFLAGS += -Ipostfix-conf
postfix-conf/conf_sample: postfix-conf/conf_sample.o postfix-conf/conf_params.o \
		policyd/pol_params.o milter/mlt_params.o bounce-pipe/bp_params.o \
		submit/sub_params.o $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build: postfix-conf/postbulk.cf
postfix-conf/postbulk.cf: postfix-conf/conf_sample
	postfix-conf/conf_sample >$@.tmp && mv -f $@.tmp $@

# systemd units, installed with "make install" (paths follow PREFIX).
SYSTEMDDIR ?= /etc/systemd/system
POSTBULK_UNITS := postfix-conf/postbulk-milter.service \
	postfix-conf/postbulk-policyd.service \
	postfix-conf/postbulk-release.service postfix-conf/postbulk-release.timer

install: install-units
install-units:
	install -d $(DESTDIR)$(SYSTEMDDIR)
	for u in $(POSTBULK_UNITS); do \
		sed 's|/usr/local/|$(PREFIX)/|g' $$u >$(DESTDIR)$(SYSTEMDDIR)/$$(basename $$u) && \
		chmod 644 $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$u) || exit 1; done

.PHONY: install-units

# "postbulk doctor": the doctor in the admin CLI (db/cli_table.c lists it).
db/postbulk: db/doctor_cli.o $(DOCTOR_OBJS)
db/postbulk: LDLIBS += -lspf2
CLEAN	+= db/doctor_cli.o

# libFuzzer run of the doctor's zone file and DKIM record parsers. Builds
# with clang and sanitizers: run it in a copy of the tree, not in the
# shared one (FUZZ_TIME seconds, default 60).
FUZZ_TIME ?= 60
fuzz-doctor:
	clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
		-Icommon -Idb -o db/doctor_fuzz db/doctor_fuzz.c db/doctor_dns.c \
		db/doctor_dkim.c common/buf.c common/mem.c common/log.c -lspf2 -lcrypto
	mkdir -p /tmp/doctor-fuzz-corpus && cp tests/doctor/cases/*.zone /tmp/doctor-fuzz-corpus/
	db/doctor_fuzz -max_total_time=$(FUZZ_TIME) -max_len=4096 /tmp/doctor-fuzz-corpus

.PHONY: fuzz-doctor
