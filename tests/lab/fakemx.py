#!/usr/bin/python3
"""
NAME
    fakemx.py - fake portal MX for the postbulk test lab

SYNOPSIS
    /usr/bin/python3 fakemx.py --dir DIR [--config FILE] [--port N] [--port-file FILE]
                               [--hostname NAME]

DESCRIPTION
    An SMTP server (Debian's python3-aiosmtpd) on 127.0.0.1 that imitates the
    receiving MX of a mail portal. Its behaviour is chosen per recipient domain
    by a small INI file (see tests/lab/README, "fakemx configuration"):
    accept, 550 5.1.1 for listed users, 452 4.2.2 mailbox full, throttling
    after K messages per window (421 4.7.0 or any configured reply), a limit
    of simultaneous sessions, slow replies, a custom reply per user, a
    refusing greeting.

    --dir DIR        where everything is written:
                       DIR/msgs/NNNNNN.eml   message data as received (dot-unstuffed)
                       DIR/msgs/NNNNNN.json  its envelope, the same JSON as in
                       DIR/index.jsonl       one JSON line per message, append-only:
                                             n, file, time, session, helo, mail_from,
                                             mail_options, rcpts, rcpt_options,
                                             domains, size (groups if any)
                       DIR/stats.json        statistics, rewritten (atomic rename)
                                             after every change (coalesced to
                                             one write per 10 ms under load)
                       DIR/events.log        one line per refused command
    --config FILE    the INI file; without it every recipient is accepted.
    --port N         listen on 127.0.0.1:N; 0 (default) picks a free port by
                     trying random ports in 20000-32767 until bind() succeeds.
    --port-file FILE the chosen port is written here (atomically) once the
                     server listens: a caller waits for this file.
    --hostname NAME  name in the greeting and EHLO reply (default mx.lab.test).

    Statistics (stats.json) per recipient domain ("domains": {...}) and per
    destination group ("groups": {...}; domains join one with "group = G"):
      sessions_max    maximum simultaneous sessions. A session counts for a
                      domain from its first RCPT TO for that domain until the
                      connection ends.
      sessions        sessions that sent at least one RCPT for the domain
      messages        messages accepted (DATA 250) with a recipient there
      rcpts_accepted  recipients accepted (RCPT 250)
      rcpts_rejected  recipients refused at RCPT, and "replies": count per reply code
      throttled       refusals because of throttle_per_minute or max_sessions
      max_per_60s, max_per_10s
                      most accepted messages in any sliding 60 s / 10 s window
      first_time, last_time  of accepted messages (epoch seconds)
    and globally: messages, connections, connections_max (simultaneous),
    rcpts_accepted, rcpts_rejected, port, pid, started.

    SIGTERM or SIGINT: write the statistics once more and exit 0.

DIAGNOSTICS
    A bad configuration file is reported on stderr with the file, the section
    and the key, and the program exits 78 (EX_CONFIG) before listening.
    A port that cannot be bound: exit 71 (EX_OSERR).
"""

import argparse
import asyncio
import collections
import configparser
import json
import os
import random
import signal
import socket
import sys
import time

from aiosmtpd.smtp import SMTP

EX_USAGE, EX_OSERR, EX_CONFIG = 64, 71, 78

# Keys allowed in a config section, with their parser. Anything else is an
# error: a typo must not silently turn a throttling test into an accept test.
DELAY_KEYS = ("delay", "delay_banner", "delay_ehlo", "delay_mail",
              "delay_rcpt", "delay_data")


def _float(v):
    f = float(v)
    if f < 0:
        raise ValueError("must be >= 0")
    return f


def _int(v):
    i = int(v)
    if i < 0:
        raise ValueError("must be >= 0")
    return i


def _users(v):
    return [u.strip().lower() for u in v.replace(",", " ").split() if u.strip()]


def _reply(v):
    v = v.strip()
    if len(v) < 3 or not v[:3].isdigit() or v[0] not in "2345" or (len(v) > 3 and v[3] != " "):
        raise ValueError("must be an SMTP reply 'NNN text'")
    return v


KEYS = {
    "reject_users": _users,       # 550 5.1.1 (reject_reply)
    "reject_reply": _reply,
    "full_users": _users,         # 452 4.2.2 (full_reply)
    "full_reply": _reply,
    "rcpt_reply": _reply,         # reply to every other RCPT of the domain
    "data_reply": _reply,         # reply at end of DATA (default 250)
    "throttle_per_minute": _int,  # K: accepted messages per window before throttling
    "throttle_window": _float,    # window in seconds (default 60)
    "throttle_reply": _reply,
    "throttle_stage": str,        # rcpt (default) or data
    "max_sessions": _int,         # simultaneous sessions per domain, 0 = no limit
    "sessions_reply": _reply,     # reply to a RCPT beyond max_sessions
    "banner_reply": _reply,       # [default] only: greeting instead of 220
    "group": str,                 # destination group (one portal's domains)
}
for _k in DELAY_KEYS:
    KEYS[_k] = _float

DEFAULTS = {
    "reject_users": [],
    "reject_reply": "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
    "full_users": [],
    "full_reply": "452 4.2.2 <{rcpt}>: Mailbox full",
    "rcpt_reply": None,
    "data_reply": None,
    "throttle_per_minute": 0,
    "throttle_window": 60.0,
    "throttle_reply": "421 4.7.0 Too many messages from your IP, try again later",
    "throttle_stage": "rcpt",
    "max_sessions": 0,
    "sessions_reply": "421 4.7.0 Too many concurrent connections, try again later",
    "banner_reply": None,
    "group": "",
}
for _k in DELAY_KEYS:
    DEFAULTS[_k] = 0.0


class Policy:
    """Settings of one domain (or of the default section)."""

    def __init__(self, values):
        self.__dict__.update(values)
        self.replies = {}          # local part (or prefix*) -> reply

    def user_in(self, users, local):
        for u in users:
            if u.endswith("*"):
                if local.startswith(u[:-1]):
                    return True
            elif u == local:
                return True
        return False

    def user_reply(self, local):
        for u, r in self.replies.items():
            if (u.endswith("*") and local.startswith(u[:-1])) or u == local:
                return r
        return None

    def delay_for(self, cmd):
        d = getattr(self, "delay_" + cmd)
        return d if d else self.delay


def load_config(path):
    """Return (default Policy, {domain: Policy}); exit 78 on error."""
    def bad(where, msg):
        sys.stderr.write("fakemx: %s: %s: %s\n" % (path, where, msg))
        sys.exit(EX_CONFIG)

    cp = configparser.ConfigParser(default_section="default", interpolation=None,
                                   delimiters=("=",))
    cp.optionxform = str          # keep "reply.Bob" readable; we lowercase below
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                cp.read_file(f)
        except OSError as e:
            bad("open", e.strerror)
        except configparser.Error as e:
            bad("syntax", str(e).replace("\n", " "))

    def build(section_name, items):
        vals = dict(DEFAULTS)
        pol = Policy(vals)
        for k, v in items:
            key = k.strip().lower()
            if key.startswith("reply."):
                user = key[len("reply."):]
                if not user:
                    bad("[%s] %s" % (section_name, k), "empty user name")
                try:
                    pol.replies[user] = _reply(v)
                except ValueError as e:
                    bad("[%s] %s" % (section_name, k), e)
                continue
            if key not in KEYS:
                bad("[%s] %s" % (section_name, k), "unknown key (known: %s, reply.USER)"
                    % ", ".join(sorted(KEYS)))
            try:
                setattr(pol, key, KEYS[key](v))
            except ValueError as e:
                bad("[%s] %s = %s" % (section_name, k, v), e)
        if pol.throttle_stage not in ("rcpt", "data"):
            bad("[%s] throttle_stage" % section_name, "must be rcpt or data")
        if pol.throttle_window <= 0:
            bad("[%s] throttle_window" % section_name, "must be > 0")
        pol.group = pol.group.strip().lower()
        if pol.group and not all(c.isalnum() or c in "-_." for c in pol.group):
            bad("[%s] group = %s" % (section_name, pol.group), "letters, digits, - _ . only")
        return pol

    default = build("default", cp.items("default"))
    domains = {}
    for sec in cp.sections():
        # cp.items(sec) merges the default section into every domain section.
        domains[sec.strip().lower()] = build(sec, cp.items(sec))
    return default, domains


class DomainStats:
    __slots__ = ("cur", "sessions_max", "sessions", "messages", "rcpts_accepted",
                 "rcpts_rejected", "throttled", "replies", "w60", "w10",
                 "max_per_60s", "max_per_10s", "first_time", "last_time", "tw")

    def __init__(self):
        self.cur = self.sessions_max = self.sessions = self.messages = 0
        self.rcpts_accepted = self.rcpts_rejected = self.throttled = 0
        self.replies = collections.Counter()
        self.w60 = collections.deque()
        self.w10 = collections.deque()
        self.tw = collections.deque()      # throttle window (its own length)
        self.max_per_60s = self.max_per_10s = 0
        self.first_time = self.last_time = None

    def as_dict(self):
        return {"sessions_max": self.sessions_max, "sessions_cur": self.cur,
                "sessions": self.sessions, "messages": self.messages,
                "rcpts_accepted": self.rcpts_accepted,
                "rcpts_rejected": self.rcpts_rejected, "throttled": self.throttled,
                "replies": dict(self.replies), "max_per_60s": self.max_per_60s,
                "max_per_10s": self.max_per_10s, "first_time": self.first_time,
                "last_time": self.last_time}


class FakeMX:
    def __init__(self, args):
        self.dir = args.dir
        self.default, self.domains = load_config(args.config)
        self.dstats = collections.defaultdict(DomainStats)
        self.n = 0
        self.conns = self.conns_cur = self.conns_max = 0
        self.rcpts_accepted = self.rcpts_rejected = 0
        self.started = time.time()
        self.port = None
        self.flush_handle = None
        self.last_flush = 0.0
        os.makedirs(os.path.join(self.dir, "msgs"), exist_ok=True)
        # Continue numbering if the directory is reused (fakemx restarted by a test).
        idx = os.path.join(self.dir, "index.jsonl")
        if os.path.exists(idx):
            with open(idx, "rb") as f:
                self.n = sum(1 for _ in f)
        self.index = open(idx, "a", buffering=1, encoding="utf-8")
        self.events = open(os.path.join(self.dir, "events.log"), "a", buffering=1,
                           encoding="utf-8")

    def policy(self, domain):
        return self.domains.get(domain, self.default)

    @staticmethod
    def keys(domain, pol):
        """Statistics keys of a domain: itself, and "group:G" if grouped."""
        return (domain, "group:" + pol.group) if pol.group else (domain,)

    @staticmethod
    def scope_of_key(key, pol):
        return "group:" + pol.group if pol.group else key

    @staticmethod
    def scope(domain, pol):
        """What throttling and max_sessions count: the group, else the domain."""
        return "group:" + pol.group if pol.group else domain

    def event(self, sid, what):
        self.events.write("%.3f %s %s\n" % (time.time(), sid, what))

    def write_stats(self):
        """Write stats.json now if the last write is >= 10 ms old, else soon.

        At test rates every change is on disk before the reply that follows
        it; under load (1000+ msg/s) writes are coalesced to <= 100 per
        second, which costs little (rename on ext4 is ~0.15 ms)."""
        if self.flush_handle is not None:
            return
        now = time.monotonic()
        wait = self.last_flush + 0.010 - now
        if wait <= 0:
            self.flush_stats()
        else:
            self.flush_handle = asyncio.get_running_loop().call_later(wait, self.flush_stats)

    def flush_stats(self):
        self.flush_handle = None
        self.last_flush = time.monotonic()
        d = {"port": self.port, "pid": os.getpid(), "started": self.started,
             "updated": time.time(), "messages": self.n, "connections": self.conns,
             "connections_cur": self.conns_cur, "connections_max": self.conns_max,
             "rcpts_accepted": self.rcpts_accepted, "rcpts_rejected": self.rcpts_rejected,
             "domains": {k: v.as_dict() for k, v in sorted(self.dstats.items())
                         if not k.startswith("group:")},
             "groups": {k[6:]: v.as_dict() for k, v in sorted(self.dstats.items())
                        if k.startswith("group:")}}
        tmp = os.path.join(self.dir, ".stats.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(d, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, os.path.join(self.dir, "stats.json"))

    def throttle_hit(self, domain, pol, now):
        """True if the domain (its group) had K accepted messages in the window."""
        if not pol.throttle_per_minute:
            return False
        tw = self.dstats[self.scope(domain, pol)].tw
        while tw and tw[0] <= now - pol.throttle_window:
            tw.popleft()
        return len(tw) >= pol.throttle_per_minute

    def count_message(self, key, pol, now):
        ds = self.dstats[key]
        ds.messages += 1
        for q, w, attr in ((ds.w60, 60.0, "max_per_60s"), (ds.w10, 10.0, "max_per_10s")):
            while q and q[0] <= now - w:
                q.popleft()
            q.append(now)
            if len(q) > getattr(ds, attr):
                setattr(ds, attr, len(q))
        if pol.throttle_per_minute and key == self.scope_of_key(key, pol):
            ds.tw.append(now)
        if ds.first_time is None:
            ds.first_time = now
        ds.last_time = now


def domain_of(addr):
    local, _, dom = addr.rpartition("@")
    if not _:
        return addr.lower(), ""
    return local.lower(), dom.lower().rstrip(".")


def fill(reply, rcpt):
    return reply.replace("{rcpt}", rcpt)


class Handler:
    def __init__(self, mx):
        self.mx = mx

    async def _delay(self, pol, cmd):
        d = pol.delay_for(cmd)
        if d:
            await asyncio.sleep(d)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname      # an EHLO hook must set this itself
        server.fm_helo = hostname
        await self._delay(self.mx.default, "ehlo")
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        server.fm_helo = hostname
        await self._delay(self.mx.default, "ehlo")
        return "250 %s" % server.hostname

    async def handle_MAIL(self, server, session, envelope, address, options):
        await self._delay(self.mx.default, "mail")
        # aiosmtpd hands the null sender over as "<>" and needs a non-empty
        # mail_from to accept RCPT: keep "<>" here, store it as "".
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"

    def _refuse(self, server, domain, pol, reply, rcpt, throttle=False):
        mx = self.mx
        for k in mx.keys(domain, pol):
            ds = mx.dstats[k]
            ds.rcpts_rejected += 1
            ds.replies[reply[:3]] += 1
            if throttle:
                ds.throttled += 1
        mx.rcpts_rejected += 1
        mx.event(server.fm_sid, "rcpt %s -> %s" % (rcpt, reply))
        if reply.startswith("421"):
            # 421 closes the session (RFC 5321 3.8); the reply is flushed first.
            asyncio.get_running_loop().call_soon(server.transport.close)
        mx.write_stats()
        return reply

    async def handle_RCPT(self, server, session, envelope, address, options):
        mx = self.mx
        local, domain = domain_of(address)
        pol = mx.policy(domain)
        keys = [k for k in mx.keys(domain, pol) if k not in server.fm_domains]
        if keys:
            sc = mx.scope(domain, pol)
            if (pol.max_sessions and sc in keys
                    and mx.dstats[sc].cur >= pol.max_sessions):
                return self._refuse(server, domain, pol, fill(pol.sessions_reply, address),
                                    address, True)
            # A session counts for a domain (and its group) from its first
            # RCPT there until the connection ends.
            for k in keys:
                server.fm_domains.add(k)
                ds = mx.dstats[k]
                ds.cur += 1
                ds.sessions += 1
                if ds.cur > ds.sessions_max:
                    ds.sessions_max = ds.cur
        await self._delay(pol, "rcpt")
        now = time.time()
        r = pol.user_reply(local)
        if r is None and pol.user_in(pol.reject_users, local):
            r = pol.reject_reply
        if r is None and pol.user_in(pol.full_users, local):
            r = pol.full_reply
        if r is None and pol.throttle_stage == "rcpt" and mx.throttle_hit(domain, pol, now):
            return self._refuse(server, domain, pol, fill(pol.throttle_reply, address),
                                address, True)
        if r is None and pol.rcpt_reply:
            r = pol.rcpt_reply
        if r is not None and not r.startswith("2"):
            return self._refuse(server, domain, pol, fill(r, address), address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        for k in mx.keys(domain, pol):
            mx.dstats[k].rcpts_accepted += 1
            mx.dstats[k].replies["250"] += 1
        mx.rcpts_accepted += 1
        mx.write_stats()
        return fill(r, address) if r else "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        mx = self.mx
        doms = []
        for r in envelope.rcpt_tos:
            d = domain_of(r)[1]
            if d not in doms:
                doms.append(d)
        pols = [(d, mx.policy(d)) for d in doms]
        delay = max([p.delay_for("data") for _, p in pols] or [mx.default.delay_for("data")])
        if delay:
            await asyncio.sleep(delay)
        now = time.time()
        for d, p in pols:
            if p.throttle_stage == "data" and mx.throttle_hit(d, p, now):
                reply = fill(p.throttle_reply, envelope.rcpt_tos[0])
                for k in mx.keys(d, p):
                    mx.dstats[k].throttled += 1
                    mx.dstats[k].replies[reply[:3]] += 1
                mx.event(server.fm_sid, "data -> %s" % reply)
                if reply.startswith("421"):
                    asyncio.get_running_loop().call_soon(server.transport.close)
                mx.write_stats()
                return reply
        for d, p in pols:
            if p.data_reply and not p.data_reply.startswith("2"):
                for k in mx.keys(d, p):
                    mx.dstats[k].replies[p.data_reply[:3]] += 1
                mx.event(server.fm_sid, "data -> %s" % p.data_reply)
                mx.write_stats()
                return p.data_reply
        mx.n += 1
        n = mx.n
        base = os.path.join(mx.dir, "msgs", "%06d" % n)
        data = envelope.original_content or b""
        with open(base + ".eml", "wb") as f:
            f.write(data)
        rec = {"n": n, "file": "msgs/%06d.eml" % n, "time": round(now, 6),
               "session": server.fm_sid, "helo": server.fm_helo,
               "mail_from": "" if envelope.mail_from == "<>" else envelope.mail_from,
               "mail_options": envelope.mail_options,
               "rcpts": envelope.rcpt_tos, "rcpt_options": envelope.rcpt_options,
               "domains": doms, "size": len(data)}
        groups = sorted({p.group for _, p in pols if p.group})
        if groups:
            rec["groups"] = groups
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        with open(base + ".json", "w", encoding="utf-8") as f:
            f.write(line)
        mx.index.write(line)
        counted = set()          # a message counts once per domain and per group
        for d, p in pols:
            for k in mx.keys(d, p):
                if k not in counted:
                    counted.add(k)
                    mx.count_message(k, p, now)
        mx.write_stats()
        return "250 2.0.0 Ok: queued as FAKEMX%06d" % n


class FakeSMTP(SMTP):
    """aiosmtpd session that keeps the per-connection bookkeeping."""
    fm_mx = None

    def connection_made(self, transport):
        mx = self.fm_mx
        mx.conns += 1
        mx.conns_cur += 1
        mx.conns_max = max(mx.conns_max, mx.conns_cur)
        self.fm_sid = "s%d" % mx.conns
        self.fm_helo = None
        self.fm_domains = set()
        self.fm_closed = False
        super().connection_made(transport)

    async def _handle_client(self):
        pol = self.fm_mx.default
        d = pol.delay_for("banner")
        if d:
            await asyncio.sleep(d)
        if pol.banner_reply and not pol.banner_reply.startswith("2"):
            # A portal refusing the connection: reply, hang up (RFC 5321 3.1).
            self.fm_mx.event(self.fm_sid, "connect -> %s" % pol.banner_reply)
            await self.push(pol.banner_reply)
            self.transport.close()
            return
        return await super()._handle_client()

    def connection_lost(self, exc):
        mx = self.fm_mx
        if not self.fm_closed:
            self.fm_closed = True
            mx.conns_cur -= 1
            for d in self.fm_domains:
                mx.dstats[d].cur -= 1
            mx.write_stats()
        super().connection_lost(exc)


def bind_socket(port):
    def try_bind(p):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            s.close()
            return None
        s.listen(512)
        s.setblocking(False)
        return s

    if port:
        s = try_bind(port)
        if s is None:
            sys.stderr.write("fakemx: cannot bind 127.0.0.1:%d\n" % port)
            sys.exit(EX_OSERR)
        return s
    # Random ports below the ephemeral range (32768-60999 here): outgoing
    # connections never take them, and concurrent labs rarely pick the same.
    for _ in range(200):
        s = try_bind(random.randint(20000, 32767))
        if s is not None:
            return s
    sys.stderr.write("fakemx: no free port found in 200 tries\n")
    sys.exit(EX_OSERR)


async def serve(args, mx):
    loop = asyncio.get_running_loop()
    sock = bind_socket(args.port)
    mx.port = sock.getsockname()[1]
    handler = Handler(mx)
    FakeSMTP.fm_mx = mx
    srv = await loop.create_server(
        lambda: FakeSMTP(handler, hostname=args.hostname, decode_data=False,
                         enable_SMTPUTF8=True, ident="fakemx"),
        sock=sock)
    mx.flush_stats()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % mx.port)
        os.replace(tmp, args.port_file)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(True))
    async with srv:
        await stop
    if mx.flush_handle is not None:
        mx.flush_handle.cancel()
    mx.flush_stats()


def main():
    ap = argparse.ArgumentParser(description="fake portal MX for the postbulk lab")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--config")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--hostname", default="mx.lab.test")
    try:
        args = ap.parse_args()
    except SystemExit as e:
        sys.exit(EX_USAGE if e.code else 0)
    mx = FakeMX(args)
    asyncio.run(serve(args, mx))


if __name__ == "__main__":
    main()
