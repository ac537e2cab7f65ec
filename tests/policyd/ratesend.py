#!/usr/bin/python3
"""ratesend.py - submit COUNT one-recipient messages, retrying deferred RCPTs.

usage: ratesend.py PORT COUNT DOMAIN SESSIONS DEADLINE_S

Each of SESSIONS threads keeps one SMTP session; per message it sends
MAIL FROM once and repeats RCPT TO while the answer is 4xx (as
postbulk-submit does with policyd's DEFER_IF_PERMIT), sleeping 10 ms
between tries, then DATA. Prints "sent N deferred D failed F secs S".
Exits 1 if not every message was accepted before DEADLINE_S.
"""
import smtplib, sys, threading, time

port, count, domain, sessions, deadline = (int(sys.argv[1]), int(sys.argv[2]),
    sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
start = time.time()
lock = threading.Lock()
stats = {"sent": 0, "deferred": 0, "failed": 0}

def worker(ids):
    smtp = None
    for i in ids:
        rcpt = "u%d@%s" % (i, domain)
        done = False
        while not done and time.time() - start < deadline:
            try:
                if smtp is None:
                    smtp = smtplib.SMTP("127.0.0.1", port, timeout=20)
                    smtp.ehlo("ratesend.lab.test")
                code, _ = smtp.mail("bulk@shop.test")
                if code != 250:
                    raise smtplib.SMTPException("MAIL %d" % code)
                while time.time() - start < deadline:
                    code, msg = smtp.rcpt(rcpt)
                    if code == 250:
                        break
                    if 400 <= code < 500:
                        with lock:
                            stats["deferred"] += 1
                        time.sleep(0.01)
                        continue
                    raise smtplib.SMTPException("RCPT %d %s" % (code, msg))
                else:
                    break
                code, _ = smtp.data(("Subject: rate %d\r\nTo: <%s>\r\n\r\nbody %d\r\n"
                                     % (i, rcpt, i)).encode())
                if code != 250:
                    raise smtplib.SMTPException("DATA %d" % code)
                with lock:
                    stats["sent"] += 1
                done = True
            except (smtplib.SMTPException, OSError) as e:
                sys.stderr.write("session error: %s\n" % e)
                try:
                    smtp.close()
                except Exception:
                    pass
                smtp = None
                time.sleep(0.05)
        if not done:
            with lock:
                stats["failed"] += 1
    if smtp is not None:
        try:
            smtp.quit()
        except Exception:
            pass

threads = [threading.Thread(target=worker, args=(range(k, count, sessions),))
           for k in range(sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("sent %d deferred %d failed %d secs %.1f" % (stats["sent"], stats["deferred"],
      stats["failed"], time.time() - start))
sys.exit(0 if stats["sent"] == count else 1)
