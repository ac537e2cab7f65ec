#!/usr/bin/python3
# msgcheck.py - print one aspect of a received message, for tests/milter.
#
# usage: msgcheck.py FILE subject          decoded Subject
#        msgcheck.py FILE part TYPE        decoded text of the first TYPE part
#                                          (text/plain, text/html)
#        msgcheck.py FILE header NAME      raw values, unfolded, one per line
#        msgcheck.py FILE names            header names, one per line
#        msgcheck.py FILE cte TYPE         Content-Transfer-Encoding of the part
import sys, email, email.policy, re

path, what = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
if what in ("header", "names"):
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii", "replace")
    head = re.sub(r"\n[ \t]", " ", head)
    for line in head.split("\n"):
        name, _, value = line.partition(":")
        if what == "names":
            print(name)
        elif name.lower() == sys.argv[3].lower():
            print(value.strip())
    sys.exit(0)
msg = email.message_from_bytes(raw, policy=email.policy.default)
if what == "subject":
    print(str(msg["subject"]))
elif what in ("part", "cte"):
    for part in msg.walk():
        if part.get_content_type() == sys.argv[3]:
            if what == "cte":
                print(part.get("Content-Transfer-Encoding", "7bit"))
            else:
                sys.stdout.write(part.get_content().replace("\r\n", "\n"))
            sys.exit(0)
    sys.exit(1)
