#!/bin/bash
# conc.t - 500 concurrent persistent connections (unix socket and TCP
# loopback), each with several requests interleaved across connections;
# every request answered on its own connection; the idle timeout closes
# them afterwards; the connection limit refuses one more than allowed.
# Run with two event threads (policyd_threads = 2), so that the
# connections are spread over two epoll sets.
# timeout: 60
. "$(dirname "$0")/pollib.sh"
pol_init
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s#^policyd_listen = .*#policyd_listen = unix:$POL_SOCK, inet:127.0.0.1:$port#" "$POL_CF"
pol_cf 'policyd_idle_timeout = 3s' 'policyd_max_connections = 600' 'policyd_threads = 2'
printf '[default]\n' >"$POL_TABLE"
pol_db supp-add s7@naver.com userunknown 1767000000
pol_start || exit 1
out=$(/usr/bin/python3 - "$POL_SOCK" "$port" <<'PY'
import socket, sys, time
path, port = sys.argv[1], int(sys.argv[2])
conns = []
for i in range(500):
    if i % 2:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
    else:
        s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(path)
    conns.append(s)
def req(i, k):
    return ("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@shop.test\n"
            "recipient=s%d@naver.com\nqueue_id=Q%d\n\n" % ((i + k) % 10, i)).encode()
ok = bad = 0
for k in range(3):                       # three rounds over all 500 at once
    for i, s in enumerate(conns):
        s.sendall(req(i, k))
    for i, s in enumerate(conns):
        data = b""
        while not data.endswith(b"\n\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        want = b"REJECT 5.1.1" if (i + k) % 10 == 7 else b"DUNNO"
        if data.startswith(b"action=") and want in data and data.count(b"\n\n") == 1:
            ok += 1
        else:
            bad += 1
print("answered %d wrong %d" % (ok, bad))
# One more than the limit (600) would be refused; 500 are fine: check the idle timeout.
t0 = time.time()
closed = 0
for s in conns:
    s.settimeout(8)
    try:
        if s.recv(10) == b"":
            closed += 1
    except (socket.timeout, ConnectionResetError):
        pass
print("idle-closed %d after %.1f s" % (closed, time.time() - t0))
PY
)
echo "# $out"
expect "500 concurrent connections, 1500 requests answered correctly" "answered 1500 wrong 0" "$out"
expect "idle connections closed by the server after policyd_idle_timeout" "idle-closed 500 after [3-6]\.[0-9] s" "$out"
check "daemon still running" kill -0 "$POL_PID"
# Connection limit: lower it and reload, then one too many is refused.
sed -i 's/^policyd_max_connections = .*/policyd_max_connections = 2/' "$POL_CF"
kill -HUP "$POL_PID"; sleep 0.5
out=$(/usr/bin/python3 - "$POL_SOCK" <<'PY'
import socket, sys
cs = []
for i in range(3):
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); cs.append(s)
res = []
for s in cs:
    try:
        s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\nrecipient=x@y.test\n\n")
        res.append("answered" if s.recv(100).startswith(b"action=") else "closed")
    except (ConnectionResetError, BrokenPipeError):
        res.append("closed")
print(" ".join(res))
PY
)
expect "connection over policyd_max_connections closed" "^answered answered closed$" "$out"
expect "overload logged" "policy=overload .*limit=2" "$(cat "$POL_LOG")"
pol_stop
