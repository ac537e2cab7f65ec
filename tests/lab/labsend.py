#!/usr/bin/python3
"""
NAME
    labsend.py - send test messages over SMTP (used by lab_send in lab.sh)

SYNOPSIS
    /usr/bin/python3 labsend.py -p PORT [-f FROM] -t RCPT [-t RCPT]...
        [-s SUBJECT] [-H 'Name: value']... [-b BODY | -m FILE]
        [-n COUNT] [-c SESSIONS] [--helo NAME] [--host ADDR]

DESCRIPTION
    Sends COUNT messages (default 1) to ADDR:PORT (default 127.0.0.1), over
    SESSIONS parallel SMTP sessions (default 1; each session sends its share
    of the messages over one connection). The message is built from -f/-t/-s/-H/-b
    (From, To, Subject, Date, Message-ID headers are added unless given with -H),
    or taken verbatim from FILE with -m ("-" = stdin). In a built message the
    strings {n} and {rcpt} in the subject and the body are replaced by the
    message number (1..COUNT) and the first recipient.
    -f '' sends the null sender MAIL FROM:<>. Non-ASCII addresses are sent
    with the SMTPUTF8 option.

    Prints one line per message: "sent N" or "refused N RCPT CODE TEXT" for each
    refused recipient, or "failed N CODE TEXT" when the whole message was refused.

DIAGNOSTICS
    Exit 0 when every recipient of every message was accepted, 1 when some
    recipients were refused but messages were accepted, 2 when a message was
    refused as a whole or the connection failed, 64 on bad usage.
"""

import argparse
import smtplib
import sys
import threading
import time
import email.utils


def build(args, n):
    if args.m:
        return args.raw
    hdrs = []
    given = {h.split(":", 1)[0].strip().lower() for h in args.H}
    rcpt = args.t[0]
    subst = lambda s: s.replace("{n}", str(n)).replace("{rcpt}", rcpt)
    if "from" not in given:
        hdrs.append("From: <%s>" % (args.f or "mailer-daemon@lab.test"))
    if "to" not in given:
        hdrs.append("To: " + ", ".join("<%s>" % r for r in args.t))
    if "subject" not in given:
        hdrs.append("Subject: " + subst(args.s))
    if "date" not in given:
        hdrs.append("Date: " + email.utils.formatdate(localtime=False))
    if "message-id" not in given:
        hdrs.append("Message-ID: <lab.%d.%d.%s@lab.test>" % (time.time_ns(), n, id(args)))
    hdrs.extend(subst(h) for h in args.H)
    body = subst(args.b).replace("\r\n", "\n").replace("\n", "\r\n")
    if not body.endswith("\r\n"):
        body += "\r\n"
    return ("\r\n".join(hdrs) + "\r\n\r\n" + body).encode("utf-8")


def main():
    ap = argparse.ArgumentParser(description="send lab test messages")
    ap.add_argument("-p", type=int, required=True, help="port")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--helo", default="client.lab.test")
    ap.add_argument("-f", default="sender@lab.test", help="envelope sender")
    ap.add_argument("-t", action="append", required=True, help="recipient (repeat)")
    ap.add_argument("-s", default="lab test {n}", help="subject")
    ap.add_argument("-H", action="append", default=[], help="extra header line")
    ap.add_argument("-b", default="lab test message {n} to {rcpt}\n", help="body text")
    ap.add_argument("-m", help="send this file verbatim (- = stdin)")
    ap.add_argument("-n", type=int, default=1, help="number of messages")
    ap.add_argument("-c", type=int, default=1, help="parallel sessions")
    ap.add_argument("--timeout", type=float, default=30.0)
    try:
        args = ap.parse_args()
    except SystemExit as e:
        sys.exit(64 if e.code else 0)
    if args.n < 1 or args.c < 1:
        sys.stderr.write("labsend: -n and -c must be >= 1\n")
        sys.exit(64)
    if args.m:
        args.raw = (sys.stdin.buffer.read() if args.m == "-"
                    else open(args.m, "rb").read())
    worst = [0]
    lock = threading.Lock()

    def note(rc, line):
        with lock:
            print(line, flush=True)
            worst[0] = max(worst[0], rc)

    def session(nums):
        try:
            s = smtplib.SMTP(args.host, args.p, local_hostname=args.helo,
                             timeout=args.timeout)
        except OSError as e:
            for n in nums:
                note(2, "failed %d connect %s:%d: %s" % (n, args.host, args.p, e))
            return
        try:
            for n in nums:
                try:
                    refused = s.sendmail(args.f, args.t, build(args, n), mopts)
                except smtplib.SMTPRecipientsRefused as e:
                    closed = False
                    for r, (code, text) in e.recipients.items():
                        note(2, "failed %d %s %d %s" % (n, r, code, text.decode("utf-8", "replace")))
                        closed = closed or code == 421
                    if closed:          # smtplib has closed the connection
                        return
                    s.rset()
                    continue
                except smtplib.SMTPResponseException as e:
                    note(2, "failed %d %d %s" % (n, e.smtp_code,
                                                 e.smtp_error.decode("utf-8", "replace")))
                    if e.smtp_code == 421:
                        return
                    try:
                        s.rset()
                    except smtplib.SMTPException:
                        return
                    continue
                if refused:
                    for r, (code, text) in refused.items():
                        note(1, "refused %d %s %d %s" % (n, r, code, text.decode("utf-8", "replace")))
                else:
                    note(0, "sent %d" % n)
            s.quit()
        except (OSError, smtplib.SMTPException) as e:
            note(2, "failed session: %s" % e)

    # Non-ASCII addresses (Korean local parts) need SMTPUTF8 (RFC 6531).
    mopts = ["SMTPUTF8"] if any(not a.isascii() for a in [args.f] + args.t) else []
    nums = list(range(1, args.n + 1))
    parts = [nums[i::args.c] for i in range(args.c) if nums[i::args.c]]
    threads = [threading.Thread(target=session, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sys.exit(worst[0])


if __name__ == "__main__":
    main()
