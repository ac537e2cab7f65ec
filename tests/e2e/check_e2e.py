#!/usr/bin/python3
# check_e2e.py - the acceptance checks of tests/e2e/e2e.t on the results
#
# usage: check_e2e.py --expect EXPECT.tsv --mx MXDIR --dest DESTINATIONS.cf
#          --time-base SECONDS --burst N --keytable KEYTABLE
#          --campaign1 C1 --report1 R1.csv --export1 E1.csv
#          [--campaign2 C2 --report2 R2.csv] --suppressed SUPP.txt
#          [--dkim-sample N] [--bounce-domain D]
#
# Prints TAP-like "ok - ..." / "not ok - ..." lines, "# ..." details, and
# exits 1 when a check failed. Inputs: expect.tsv of gen_list.py, the fake
# MX directory (index.jsonl, msgs/, stats.json), submit's report CSVs,
# "postbulk export" of campaign 1, "postbulk suppress export".
import argparse, base64, time, collections, csv, email, email.policy, io, json, os, random, re, subprocess, sys

import dkim

ap = argparse.ArgumentParser()
for a in ("expect", "mx", "dest", "keytable", "campaign1", "report1", "export1", "suppressed"):
    ap.add_argument("--" + a, required=True)
ap.add_argument("--time-base", type=float, required=True)
ap.add_argument("--burst", type=int, default=1)
ap.add_argument("--maillog", help="Postfix log: tells duplicates of Postfix's own stop window apart")
ap.add_argument("--campaign2")
ap.add_argument("--report2")
ap.add_argument("--dkim-sample", type=int, default=300)
ap.add_argument("--bounce-domain", default="bounces.shop.example.co.kr")
A = ap.parse_args()

failed = 0


def ok(cond, what, detail=None):
    global failed
    print("%s - %s" % ("ok" if cond else "not ok", what))
    if not cond:
        failed += 1
        if detail:
            for line in str(detail).splitlines()[:15]:
                print("#   " + line)
    return cond


# ---------------------------------------------------------------- inputs
expect = []
for line in open(A.expect, encoding="utf-8"):
    row, addr, outcome, group, name, grade, coupon = line.rstrip("\n").split("\t")
    expect.append(dict(row=int(row), email=addr, outcome=outcome, group=group,
                       name=name, grade=grade, coupon=coupon))
by_email = {}
for e in expect:
    if e["outcome"] in ("delivered", "bounce"):
        by_email[e["email"].lower()] = e


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def dest_table(path):
    groups, cur = collections.OrderedDict(), None
    for line in open(path, encoding="utf-8"):
        line = line.split("#")[0].strip()
        if not line:
            continue
        m = re.match(r"^\[(.+)\]$", line)
        if m:
            cur = groups.setdefault(m.group(1), {})
            continue
        k, v = [x.strip() for x in line.split("=", 1)]
        cur[k] = v
    d = groups.get("default", {})
    out = {}
    for g, kv in groups.items():
        if g == "default":
            continue
        full = dict(d)
        full.update(kv)
        full["domains"] = [x.strip() for x in full.get("domains", "").split(",") if x.strip()]
        out[g] = full
    return out


groups = dest_table(A.dest)
dom2group = {d: g for g, kv in groups.items() for d in kv["domains"]}

# Messages at the fake MX, with their campaign (Feedback-ID: C:domain:postbulk).
msgs = []
for line in open(os.path.join(A.mx, "index.jsonl")):
    j = json.loads(line)
    path = os.path.join(A.mx, j["file"])
    with open(path, "rb") as f:
        raw = f.read()
    head = raw.split(b"\r\n\r\n", 1)[0]
    m = re.search(rb"(?im)^Feedback-ID:\s*([^:\r\n]+):", head)
    j["campaign"] = m.group(1).decode() if m else ""
    j["path"] = path
    msgs.append(j)
stats = json.load(open(os.path.join(A.mx, "stats.json")))

# ---------------------------------------------------------------- concurrency
for g, kv in groups.items():
    st = stats.get("groups", {}).get(g)
    if not st:
        continue
    lim = int(kv.get("concurrency_limit", 0))
    ok(st["sessions_max"] <= lim,
       "group %s: at most %d simultaneous sessions at the MX (max %d, %d sessions)"
       % (g, lim, st["sessions_max"], st["sessions"]))

# ---------------------------------------------------------------- rate
# Messages Postfix held over its own stop: queued (policyd said yes) before
# "postfix stop", delivered after "postfix start". policyd counted them in
# the window where it let them in; Postfix's stop, not policyd, moved
# their arrival at the MX next to the first messages after the start.
# They are left out of the MX windows (and counted), as the maillog tells
# them apart: by line order, the queue ID's first line before a "starting
# the Postfix mail system" line and its "status=sent (... queued as
# FAKEMXn)" line after it (nothing is queued while Postfix is stopped).
carried = set()
if A.maillog:
    first, starts, sent = {}, [], []
    for i, line in enumerate(open(A.maillog, errors="replace")):
        if "starting the Postfix mail system" in line:
            starts.append(i)
            continue
        m = re.search(r"\]: ([0-9A-F]{6,}): ", line)
        if not m:
            continue
        first.setdefault(m.group(1), i)
        q = re.search(r"status=sent \(.*queued as FAKEMX0*(\d+)\)", line)
        if q:
            sent.append((m.group(1), i, int(q.group(1))))
    for qid, i, n in sent:
        if any(first[qid] < s < i for s in starts):
            carried.add(n)
times = collections.defaultdict(list)
held = collections.Counter()
for j in msgs:
    if j["campaign"] != A.campaign1:
        continue
    for d in set(j["domains"]):
        g = dom2group.get(d)
        if g and j["n"] in carried:
            held[g] += 1
        elif g:
            times[g].append(j["time"])
for g, kv in groups.items():
    rate = int(kv.get("rate_per_minute", 0))
    ts = sorted(times.get(g, []))
    if not rate or not ts:
        continue
    # One "minute" (the time base) and five: the token bucket lets at most
    # rate * k + burst messages through in any window of k minutes. The
    # window here is closed at both ends (the "+1") and counts
    # arrivals at the MX, not policy decisions: a message reaches the MX a
    # delivery delay after policyd let it in, and delays differ (Postfix
    # spawning smtp(8) processes after its start, say), so an MX window
    # holds what policyd let in over a window longer by that spread. It
    # is taken as JITTER s of real time: nothing with real 60 s minutes,
    # but with a 2 s "minute" 0.1 s is 2 messages at 40/min.
    JITTER = 0.1
    for mult in (1, 5):
        win = A.time_base * mult
        best, k, at = 0, 0, 0
        for i in range(len(ts)):
            while ts[i] - ts[k] > win:
                k += 1
            if i - k + 1 > best:
                best, at = i - k + 1, ts[k]
        jit = int(rate * JITTER / A.time_base)
        limit = rate * mult + A.burst + 1 + jit
        ok(best <= limit, "campaign 1, group %s: at most %d messages in any %gs window at the MX "
           "(%d x rate %d/min + burst %d + 1 + %d for %gs delivery jitter; max %d from %s%s)"
           % (g, limit, win, mult, rate, A.burst, jit, JITTER, best,
              time.strftime("%H:%M:%S", time.localtime(at)),
              "; %d held by Postfix over its stop not counted" % held[g] if held[g] else ""))


# ---------------------------------------------------------------- exactly once
def per_campaign(c):
    cnt = collections.Counter()
    for j in msgs:
        if j["campaign"] == c:
            for r in j["rcpts"]:
                cnt[r.lower()] += 1
    return cnt


# Copies the MX accepted while Postfix was being stopped: the MX said 250,
# the smtp(8) client was killed before it logged "status=sent", so Postfix
# delivers again after the restart. That is SMTP's own window (RFC 1047),
# not postbulk's; such copies are counted and shown, the others fail.
logged = set()
if A.maillog:
    for line in open(A.maillog, errors="replace"):
        m = re.search(r"queued as FAKEMX0*(\d+)\)", line)
        if m:
            logged.add(int(m.group(1)))


def exactly_once(c, what):
    cnt = per_campaign(c)
    copies = collections.defaultdict(list)
    for j in msgs:
        if j["campaign"] == c:
            for r in j["rcpts"]:
                copies[r.lower()].append(j["n"])
    want = {e["email"].lower() for e in expect if e["outcome"] == "delivered"}
    twice = sorted(a for a, n in cnt.items() if n > 1)
    window = [a for a in twice if A.maillog and
              sum(1 for n in copies[a] if n in logged) <= 1 and len(copies[a]) == 2]
    if window:
        print("# %s: %d recipient(s) got a second copy from Postfix's stop window (MX accepted the first "
              "copy, Postfix was stopped before it logged it): %s" % (what, len(window), ", ".join(window[:5])))
    other = [a for a in twice if a not in window]
    missing = sorted(want - set(cnt))
    extra = sorted(set(cnt) - want)
    ok(not other, "%s: no recipient received the campaign twice, apart from Postfix's stop window "
       "(%d recipients, %d such)" % (what, len(cnt), len(window)), other[:10])
    ok(not missing, "%s: every valid row was delivered (%d of %d)" % (what, len(want) - len(missing), len(want)),
       missing[:10])
    ok(not extra, "%s: nobody else got it (unknown users, invalid rows)" % what, extra[:10])


exactly_once(A.campaign1, "campaign 1")
if A.campaign2:
    exactly_once(A.campaign2, "campaign 2")

# ---------------------------------------------------------------- DKIM + content
KEYS = {}


def pubkey_txt(path):
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    if len(der) == 44:      # Ed25519 SubjectPublicKeyInfo: 12-byte prefix + 32-byte key
        return b"v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:])
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


for line in open(A.keytable):
    f = line.split("#")[0].split()
    if len(f) == 3:
        KEYS[("%s._domainkey.%s." % (f[1], f[0])).lower()] = pubkey_txt(f[2])


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    name = name.lower()
    if not name.endswith("."):
        name += "."
    return KEYS.get(name)


def part_text(msg, ctype):
    for p in msg.walk():
        if p.get_content_type() == ctype and not p.is_multipart():
            return p.get_content()
    return None


rnd = random.Random(4242)
ours = [j for j in msgs if j["campaign"] in (A.campaign1, A.campaign2)]
sample = rnd.sample(ours, min(A.dkim_sample, len(ours)))
bad_dkim, bad_content, nalgs = [], [], collections.Counter()
verp = re.compile(r"^bounce\+m\.[a-z0-9]{16}\.[a-z0-9]+@" + re.escape(A.bounce_domain) + "$")
for j in sample:
    raw = open(j["path"], "rb").read()
    hdrs = raw.split(b"\r\n\r\n", 1)[0]
    nsig = len(re.findall(rb"(?im)^dkim-signature:", hdrs))
    d = dkim.DKIM(raw)
    good = nsig >= 2
    for i in range(nsig):
        try:
            v = d.verify(idx=i, dnsfunc=dnsfunc)
        except Exception as ex:   # dkimpy raises on malformed signatures
            v = False
        good = good and v
        m = re.findall(rb"(?im)^dkim-signature:.*?\ba=([a-z0-9-]+)", hdrs)
    for a in re.findall(rb"(?i)\ba=(rsa-sha256|ed25519-sha256)", hdrs):
        nalgs[a.decode().lower()] += 1
    if not good:
        bad_dkim.append("%s (%d signatures)" % (j["file"], nsig))
    rcpt = j["rcpts"][0].lower()
    e = by_email.get(rcpt)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    why = []
    if e is None:
        why.append("unknown recipient %s" % rcpt)
    else:
        subj = str(msg["Subject"])
        want = "(광고) %s님, %s 회원 겨울 특가 쿠폰이 도착했습니다" % (e["name"], e["grade"])
        if subj != want:
            why.append("subject %r != %r" % (subj, want))
        html = part_text(msg, "text/html") or ""
        text = part_text(msg, "text/plain") or ""
        if "<b>%s</b>님" % e["name"] not in html or '<td class="coupon">%s</td>' % e["coupon"] not in html:
            why.append("html part lacks name/coupon of row %d" % e["row"])
        if "쿠폰 번호: %s" % e["coupon"] not in text or e["email"] not in text:
            why.append("text part lacks coupon/email of row %d" % e["row"])
        if "${" in html or "${" in text:
            why.append("unmerged placeholder")
        if "https://shop.example.co.kr/unsubscribe/u." not in html:
            why.append("no unsubscribe link in html")
    if any(k.lower().startswith("x-postbulk-") for k in msg.keys()):
        why.append("X-Postbulk-* header left")
    if not msg["List-Unsubscribe"]:
        why.append("no List-Unsubscribe")
    if not verp.match(j["mail_from"]):
        why.append("envelope sender %s is not a VERP address" % j["mail_from"])
    if why:
        bad_content.append("%s: %s" % (j["file"], "; ".join(why)))
ok(sample and not bad_dkim, "DKIM: all signatures of %d sampled messages verify with dkimpy (%s)"
   % (len(sample), ", ".join("%s %d" % kv for kv in sorted(nalgs.items()))), "\n".join(bad_dkim))
ok(sample and not bad_content, "merged content right in %d sampled messages (subject, html, text, "
   "unsubscribe, no control headers, VERP)" % len(sample), "\n".join(bad_content))

# ---------------------------------------------------------------- report and export
rep1 = read_csv(A.report1)
want_out = {"delivered": ("queued", "0"), "bounce": ("queued", "0"),
            "invalid": ("invalid", "3"), "duplicate": ("duplicate", "4")}
bad = []
rows1 = {int(r["row"]): r for r in rep1}
for e in expect:
    r = rows1.get(e["row"])
    if r is None or (r["outcome"], r["status"]) != want_out[e["outcome"]]:
        bad.append("row %d (%s, %s): %s" % (e["row"], e["email"], e["outcome"],
                                            r and (r["outcome"], r["status"], r["reply"])))
ok(len(rep1) == len(expect) and not bad,
   "campaign 1 report: one line per list row with the expected outcome (%d rows)" % len(rep1), "\n".join(bad))

exp1 = read_csv(A.export1)
cnt = collections.Counter(r["email"].lower() for r in exp1)
queued = {e["email"].lower(): e for e in expect if e["outcome"] in ("delivered", "bounce")}
skipped = [e for e in expect if e["outcome"] in ("invalid", "duplicate")]
ok(len(exp1) == len(queued) and set(cnt) == set(queued) and max(cnt.values() or [1]) == 1,
   "postbulk export: one row per list row that reached Postfix (%d rows; + %d invalid/duplicate rows "
   "skipped by submit = %d list rows)" % (len(exp1), len(skipped), len(exp1) + len(skipped)),
   "export rows %d, want %d; missing %s; extra %s" % (len(exp1), len(queued),
   sorted(set(queued) - set(cnt))[:5], sorted(set(cnt) - set(queued))[:5]))
ok(len(exp1) + len(skipped) == len(expect), "export + skipped rows = list rows (%d)" % len(expect))
bad = []
for r in exp1:
    e = queued.get(r["email"].lower())
    if e is None:
        continue
    want = ("1",) if e["outcome"] == "delivered" else ("5",)
    if (r["status_code"],) != want or (e["outcome"] == "bounce" and r["reason"] != "userunknown"):
        bad.append("%s: status %s %s reason %s (want %s)" % (r["email"], r["status_code"], r["status_text"],
                                                          r["reason"], want[0]))
nb = sum(1 for e in queued.values() if e["outcome"] == "bounce")
ok(not bad, "export: every delivered row status 1, every unknown user status 5 userunknown "
   "(%d bounced, none lost)" % nb, "\n".join(bad))

supp = set()
for line in open(A.suppressed, encoding="utf-8"):
    line = line.strip()
    if line and not line.startswith("#"):
        supp.add(line.rsplit(",", 1)[0].lower())
want_supp = {a for a, e in queued.items() if e["outcome"] == "bounce"}
ok(supp == want_supp, "suppression list = the %d unknown users exactly" % len(want_supp),
   "missing %s; extra %s" % (sorted(want_supp - supp)[:5], sorted(supp - want_supp)[:5]))

if A.report2:
    rep2 = read_csv(A.report2)
    want2 = dict(want_out)
    want2["bounce"] = ("suppressed", "4")
    bad = []
    rows2 = {int(r["row"]): r for r in rep2}
    for e in expect:
        r = rows2.get(e["row"])
        if r is None or (r["outcome"], r["status"]) != want2[e["outcome"]]:
            bad.append("row %d (%s, %s): %s" % (e["row"], e["email"], e["outcome"],
                                                r and (r["outcome"], r["status"], r["reply"])))
    n4 = sum(1 for r in rep2 if r["outcome"] == "suppressed")
    ok(not bad and n4 == nb, "campaign 2: exactly the %d bounced addresses skipped as suppressed (status 4), "
       "the rest queued" % n4, "\n".join(bad))

sys.exit(1 if failed else 0)
