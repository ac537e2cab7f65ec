#!/usr/bin/python3
"""dupguard.py - a stand-in for policyd's duplicate guard (Postfix policy protocol).

usage: dupguard.py SOCKET_PATH LOGFILE

A real Postfix policy server (SMTPD_POLICY_README) on a unix socket, used by
the resume test while policyd is not available: at END-OF-MESSAGE it answers
"REJECT 5.7.1 <rcpt>: duplicate in campaign C" when the same campaign
(the value in the envelope sender bounce+c.MAC.CAMPAIGN@...) already got a
message for that recipient, else DUNNO and remembers it. Every other state
gets DUNNO. One line per decision goes to LOGFILE.
"""
import asyncio, os, sys

path, logfile = sys.argv[1], sys.argv[2]
seen = set()
log = open(logfile, "a", buffering=1)


async def handle(reader, writer):
    try:
        while True:
            attrs = {}
            while True:
                line = await reader.readline()
                if not line:
                    return
                line = line.decode("utf-8", "replace").rstrip("\n")
                if line == "":
                    break
                k, _, v = line.partition("=")
                attrs[k] = v
            action = "DUNNO"
            if attrs.get("protocol_state") == "END-OF-MESSAGE" and attrs.get("recipient"):
                sender = attrs.get("sender", "")
                camp = sender.split("@")[0].split(".", 2)[-1] if sender.startswith("bounce+c.") else sender
                key = (camp, attrs["recipient"].lower())
                if key in seen:
                    action = "REJECT 5.7.1 <%s>: duplicate in campaign %s" % (attrs["recipient"], camp)
                else:
                    seen.add(key)
                log.write("%s %s %s\n" % (camp, attrs["recipient"], action.split()[0]))
            writer.write(("action=%s\n\n" % action).encode())
            await writer.drain()
    finally:
        writer.close()


async def main():
    if os.path.exists(path):
        os.unlink(path)
    server = await asyncio.start_unix_server(handle, path=path)
    os.chmod(path, 0o666)
    async with server:
        await server.serve_forever()

asyncio.run(main())
