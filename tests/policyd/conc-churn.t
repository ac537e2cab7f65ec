#!/bin/bash
# conc-churn.t - review of the event threads: many short connections
# (connect, one request, close) against policyd_threads = 2. Every
# connection must be answered. srv_close() (pol_server.c) closes the
# descriptor first and then writes c->fd = -1, c->pending = 0, resets
# c->out ...: another thread that accepts the same descriptor number in
# between has its new connection's slot clobbered, and that connection is
# never answered (the client times out; the level-triggered fd is then
# ignored forever). With policyd_threads = 1 the same load answers all.
# timeout: 40
. "$(dirname "$0")/pollib.sh"
pol_init
pol_cf 'policyd_threads = 2' 'policyd_max_connections = 600' 'policyd_suppression_filter = no'
rm -f "$POL_CLOCK"
POL_FAKE= pol_start || exit 1
churn='
import socket, sys, time
sock = sys.argv[1]
req = (b"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
       b"client_address=127.0.0.1\nsender=a@shop.test\nrecipient=x@y.test\n\n")
bad = done = 0
end = time.time() + 12
while time.time() < end and done < 4000:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(2)
    try:
        s.connect(sock); s.sendall(req)
        d = b""
        while not d.endswith(b"\n\n"):
            c = s.recv(4096)
            if not c: break
            d += c
        if not d.startswith(b"action="): bad += 1
    except Exception:
        bad += 1
    s.close(); done += 1
print(done, bad)
'
out=$(for i in 1 2 3 4 5 6; do timeout 25 /usr/bin/python3 -c "$churn" "$POL_SOCK" & done; wait)
total=$(awk '{t += $1} END {print t + 0}' <<<"$out")
bad=$(awk '{b += $2} END {print b + 0}' <<<"$out")
check "short connections were made ($total)" [ "$total" -gt 1000 ]
check "every short connection answered with two event threads ($bad of $total unanswered)" [ "$bad" -eq 0 ]
check "policyd still running" kill -0 "$POL_PID"
pol_stop
check "SIGTERM: clean stop" [ $? -eq 0 ]
