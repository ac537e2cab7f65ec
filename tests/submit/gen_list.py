#!/usr/bin/python3
"""gen_list.py - make a test member list with known outcomes.

usage: gen_list.py ROWS OUTDIR [SEED] [ENCODING]

Writes OUTDIR/list.csv (UTF-8 with BOM unless ENCODING is given, e.g. cp949)
with columns email,name,login and OUTDIR/expect.tsv: row, category,
expected address as sent (after typo fixing), expected outcome, status.
Categories: plain, typo, hangul, invalid, dup, suppressed, pdup, rejected,
later. The addresses of suppressed/pdup/rejected/later rows are matched by
the Postfix restriction table written by the test (regexp on the local part).
"""
import random, sys

rows = int(sys.argv[1]); out = sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
enc = sys.argv[4] if len(sys.argv) > 4 else None
rng = random.Random(seed)
domains = ["naver.com", "daum.net", "hanmail.net", "gmail.com", "nate.com", "shop-example.co.kr"]
typos = [("hanmil.net", "hanmail.net"), ("hanmail.ent", "hanmail.net"), ("naver.co", "naver.com"),
         ("nave.com", "naver.com"), ("gmial.com", "gmail.com"), ("daum.ent", "daum.net"),
         ("nate.co", "nate.com"), ("hanmeil.net", "hanmail.net"), ("gmail.cim", "gmail.com"),
         ("NAVER.COM.", "naver.com"), ("naver,com", "naver.com")]
hangul = [("ㅜㅁㅍㄷㄱ.채ㅡ", "naver.com"), ("ㅎㅡ먀ㅣ.채ㅡ", "gmail.com"), ("ㅗ무ㅡ먀ㅣ.ㅜㄷㅅ", "hanmail.net")]
family = "김이박최정강조윤장임한오서신권황안송류홍"
given = ["민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지우"]
weights = [("plain", 76), ("typo", 5), ("hangul", 1), ("invalid", 4), ("dup", 5),
           ("suppressed", 4), ("pdup", 1), ("rejected", 2), ("later", 0)]
cats = [c for c, w in weights for _ in range(w)]
seen = []           # sendable addresses so far (for duplicates)
lines = ["email,name,login"]
expect = []
n_later = 0
for r in range(1, rows + 1):
    c = rng.choice(cats)
    if r % 2000 == 1000 and n_later < 5:
        c = "later"; n_later += 1
    if c == "dup" and not seen:
        c = "plain"
    name = rng.choice(family) + rng.choice(given)
    login = "u%d" % r
    if c == "plain":
        a = "user%d@%s" % (r, rng.choice(domains)); e = a; o, s = "queued", "0"
    elif c == "typo":
        t, f = rng.choice(typos); a = " T%d@%s " % (r, t) if r % 3 == 0 else "t%d@%s" % (r, t)
        e = "%s%d@%s" % ("T" if r % 3 == 0 else "t", r, f); o, s = "queued", "0"
    elif c == "hangul":
        t, f = rng.choice(hangul); a = "h%d@%s" % (r, t); e = "h%d@%s" % (r, f); o, s = "queued", "0"
    elif c == "invalid":
        a = rng.choice(["noat%d.naver.com" % r, "x%d@" % r, "x%d@-bad-.com" % r, "x%d@@@" % r,
                        "x%d@123.456" % r, "", "a b%d@@c" % r]); e = ""; o, s = "invalid", "3"
    elif c == "dup":
        e0 = rng.choice(seen); loc, dom = e0.rsplit("@", 1)
        a = (loc.upper() if r % 2 else loc) + "@" + dom.upper(); e = e0; o, s = "duplicate", "4"
    elif c == "suppressed":
        a = "sup%d@naver.com" % r; e = a; o, s = "suppressed", "4"
    elif c == "pdup":
        a = "pdup%d@daum.net" % r; e = a; o, s = "duplicate", "4"
    elif c == "rejected":
        a = "bad%d@gmail.com" % r; e = a; o, s = "rejected", "3"
    elif c == "later":
        a = "later%d@nate.com" % r; e = a; o, s = "failed", "2"
    if o not in ("invalid", "duplicate") or c == "pdup":
        seen.append(e)
    if c in ("suppressed", "pdup", "rejected", "later"):
        seen.pop()          # keep duplicates pointing at deliverable rows
    q = '"%s"' % a.replace('"', '""') if ("," in a or '"' in a or " " in a) else a
    lines.append("%s,%s,%s" % (q, name, login))
    expect.append("%d\t%s\t%s\t%s\t%s\t%s" % (r, c, e, o, s, name))
data = "\r\n".join(lines) + "\r\n"
with open(out + "/list.csv", "wb") as f:
    if enc:
        f.write(data.encode(enc))
    else:
        f.write(b"\xef\xbb\xbf" + data.encode("utf-8"))
with open(out + "/expect.tsv", "w") as f:
    f.write("\n".join(expect) + "\n")
