# tests/ - unit test drivers (C) used by the tests/*/*.t scripts.
# Parts add their own drivers to TEST_PROGS in their module.mk.
TEST_PROGS  += tests/unit/common_test
CLEAN	    += $(TEST_PROGS)

tests/unit/common_test: tests/unit/common_test.o $(LIBCOMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build: $(TEST_PROGS)
