# tests/e2e/module.mk - end-to-end acceptance run and benchmarks
#
#   make e2e          the full acceptance run: e2e.t with E2E_ROWS=20000
#                     (tests/run-tests runs the same script with 2,000 rows)
#   make bench-e2e    postbulk campaign vs. bare Postfix (smtp-source), one
#                     instance, one run; last line "BENCH e2e mps=N ..."
#   make bench        every component benchmark, then bench-e2e
E2E_FULL_ROWS	?= 20000
E2E_FULL_TIMEOUT ?= 2400
BENCH_PARTS	?= bench-db bench-policyd bench-milter bench-bounce bench-submit bench-lab

e2e: build
	@POSTBULK_TOP=$(CURDIR) \
	PATH="$(CURDIR)/db:$(CURDIR)/policyd:$(CURDIR)/milter:$(CURDIR)/bounce-pipe:$(CURDIR)/submit:$(CURDIR)/postfix-conf:$$PATH" \
	E2E_ROWS=$(E2E_FULL_ROWS) timeout -k 10 $(E2E_FULL_TIMEOUT) tests/e2e/e2e.t

bench-e2e: build
	@POSTBULK_TOP=$(CURDIR) tests/e2e/bench-e2e.sh

# Sequential on purpose: benchmarks must not share the two CPUs, and the
# last line of the output is bench-e2e's BENCH line.
bench:
	@for t in $(BENCH_PARTS) bench-e2e; do \
		$(MAKE) --no-print-directory $$t || exit 1; done

.PHONY: e2e bench bench-e2e
