#!/usr/bin/python3
"""polclient.py - send policy requests to postbulk-policyd and print the actions.

usage: polclient.py SOCKET [STATE:SENDER:RECIPIENT[:QUEUEID]]...
SOCKET is a unix socket path or HOST:PORT. All requests go over one
persistent connection; one output line per request: the action text.
"""
import socket, sys

def connect(spec, timeout=10):
    if spec.startswith('/'):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(spec)
    else:
        host, port = spec.rsplit(':', 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    return s

def request(state, sender, rcpt, qid=''):
    return ("request=smtpd_access_policy\nprotocol_state=%s\nprotocol_name=ESMTP\n"
            "client_address=127.0.0.1\nclient_name=localhost\nhelo_name=t.test\n"
            "sender=%s\nrecipient=%s\nrecipient_count=0\nqueue_id=%s\n"
            "instance=1.2.3\nsize=100\n\n" % (state, sender, rcpt, qid)).encode()

def read_reply(f):
    line = f.readline()
    if not line:
        return None
    blank = f.readline()
    if blank != b'\n':
        raise SystemExit('bad reply framing: %r %r' % (line, blank))
    return line.decode().rstrip('\n')

def main():
    s = connect(sys.argv[1])
    f = s.makefile('rb')
    for arg in sys.argv[2:]:
        parts = arg.split(':')
        while len(parts) < 4:
            parts.append('')
        s.sendall(request(*parts[:4]))
        r = read_reply(f)
        if r is None:
            print('EOF')
            return 1
        print(r)
    return 0

if __name__ == '__main__':
    sys.exit(main())
