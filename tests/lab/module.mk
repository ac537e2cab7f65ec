# tests/lab/module.mk - the test lab (tests/lab/lab.sh, fakemx.py, labsend.py)
#
# Nothing to build: the lab is bash and /usr/bin/python3. Its tests
# (smoke.t, fakemx.t, killed.t) run through tests/run-tests like every part's.
#
#   make bench-lab   fake MX throughput (smtp-source, one message per
#                    connection and 50 reused sessions) and lab start/stop
#                    time; ends with "BENCH lab fakemx_newconn_msgs_per_s=N
#                    fakemx_reuse_msgs_per_s=N lab_up_ms=N lab_down_ms=N"

.PHONY: bench-lab
bench-lab:
	POSTBULK_TOP=$(CURDIR) tests/lab/bench-fakemx.sh
