#!/usr/bin/python3
"""check_campaign.py - compare a campaign's report and the fake MX with expect.tsv.

usage: check_campaign.py EXPECT REPORT MX_INDEX CAMPAIGN [--no-mx]

Prints TAP lines. The report must have exactly one line per list row with the
expected outcome, status and address; the fake MX must hold exactly one
message per expected "queued" address of this campaign (X-Postbulk-Campaign)
and nothing else.
"""
import csv, json, os, sys, urllib.parse, email

exp_path, rep_path, idx_path, camp = sys.argv[1:5]
no_mx = "--no-mx" in sys.argv
# Rows resent after a crash may be "queued" without a queue id (the first
# copy's reply was lost); at most this many.
allow_noqid = int(os.environ.get("ALLOW_NOQID", "0"))
# Rows whose data was sent on a connection that then died ("uncertain") and
# that were sent again without a duplicate guard: they may arrive twice.
allow_dup_rows = set(int(x) for x in os.environ.get("ALLOW_DUP_ROWS", "").split(",") if x)
fails = 0
def ok(c, what):
    global fails
    print(("ok - " if c else "not ok - ") + what)
    if not c:
        fails += 1

expect = {}
for line in open(exp_path, encoding="utf-8"):
    r, cat, addr, outcome, status, name = line.rstrip("\n").split("\t")
    expect[int(r)] = (cat, addr, outcome, status, name)

raw = open(rep_path, "rb").read()
ok(raw.startswith(b"\xef\xbb\xbf"), "report starts with a UTF-8 BOM (Excel)")
rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
seen = {}
for r in rows:
    seen.setdefault(int(r["row"]), []).append(r)
twice = [k for k, v in seen.items() if len(v) > 1]
ok(not twice, "no row twice in the report (%d rows twice: %s)" % (len(twice), twice[:5]))
missing = sorted(set(expect) - set(seen))
ok(not missing, "every list row in the report (%d of %d; missing %s)" % (len(seen), len(expect), missing[:5]))
extra = sorted(set(seen) - set(expect))
ok(not extra, "no unknown rows in the report (%s)" % extra[:5])
bad = []
for k, (cat, addr, outcome, status, name) in expect.items():
    if k not in seen:
        continue
    r = seen[k][0]
    got_addr, addr = (r["email"].lower(), addr.lower()) if cat == "dup" else (r["email"], addr)
    if r["outcome"] != outcome or r["status"] != status or (addr and got_addr != addr):
        bad.append((k, cat, r["outcome"], r["status"], r["email"], outcome, status, addr, r["reply"]))
ok(not bad, "every row has the expected outcome, status and address (%d wrong)" % len(bad))
for b in bad[:10]:
    print("#   row %s (%s): got %s/%s <%s>, want %s/%s <%s> (%s)" % b)
fixes = [r for r in rows if r["fix"]]
want_fixes = sum(1 for v in expect.values() if v[0] in ("typo", "hangul"))
ok(len([r for r in fixes if r["outcome"] == "queued"]) >= want_fixes,
   "typo fixes reported in the fix column (%d rows with a fix, %d expected fixed)" % (len(fixes), want_fixes))
qids = [r["queue_id"] for r in rows if r["outcome"] == "queued"]
known = [q for q in qids if q]
ok(len(qids) - len(known) <= allow_noqid and len(set(known)) == len(known),
   "every queued row has its own Postfix queue id (%d; %d without, at most %d allowed)"
   % (len(qids), len(qids) - len(known), allow_noqid))

if not no_mx:
    want = sorted(v[1].lower() for v in expect.values() if v[2] == "queued")
    got = []
    vars_ok = hdr_ok = 0
    checked = 0
    names = {v[1].lower(): v[4] for v in expect.values() if v[2] == "queued"}
    mxdir = os.path.dirname(idx_path)
    for line in open(idx_path):
        m = json.loads(line)
        msg = email.message_from_bytes(open(os.path.join(mxdir, m["file"]), "rb").read())
        if msg.get("X-Postbulk-Campaign") != camp:
            continue
        for rc in m["rcpts"]:
            got.append(rc.lower())
        if checked < 200:
            checked += 1
            v = urllib.parse.parse_qs("".join(msg.get("X-Postbulk-Vars", "").split()))
            rc = m["rcpts"][0].lower()
            if v.get("name", [""])[0] == names.get(rc) and v.get("email", [""])[0].lower() == rc:
                vars_ok += 1
            if m["mail_from"].startswith("bounce+c.") and m["mail_from"].endswith("." + camp + "@bounces.lab.test"):
                hdr_ok += 1
    gs = sorted(got)
    allowed = set(expect[r][1].lower() for r in allow_dup_rows if r in expect)
    twice = set(g for g in gs if gs.count(g) > 1) if len(gs) != len(set(gs)) else set()
    if allow_dup_rows:
        ok(twice <= allowed, "recipients twice at the fake MX only among the %d uncertain rows "
           "(%d twice, %d not uncertain)" % (len(allowed), len(twice), len(twice - allowed)))
        ok(len(set(gs)) == len(want), "fake MX has each expected queued row (%d distinct, want %d)"
           % (len(set(gs)), len(want)))
    else:
        ok(not twice, "no recipient twice at the fake MX (%d duplicates)" % (len(gs) - len(set(gs))))
        ok(len(gs) == len(want), "fake MX message count equals the expected queued rows (%d, want %d)"
           % (len(gs), len(want)))
    ok(set(gs) == set(want), "fake MX recipients are exactly the valid rows (missing %d, unexpected %d)"
       % (len(set(want) - set(gs)), len(set(gs) - set(want))))
    ok(checked > 0 and vars_ok == checked, "X-Postbulk-Vars carries name and corrected email (%d/%d checked)" % (vars_ok, checked))
    ok(checked > 0 and hdr_ok == checked, "envelope sender is the campaign-tagged bounce address (%d/%d)" % (hdr_ok, checked))
sys.exit(1 if fails else 0)
