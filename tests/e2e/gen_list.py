#!/usr/bin/python3
# gen_list.py - a member list for the end-to-end run
#
# usage: gen_list.py ROWS SEED OUTDIR
#
# Writes OUTDIR/list.csv (email,name,grade,coupon; UTF-8, Korean names)
# and OUTDIR/expect.tsv (row, email as sent, expected outcome, group):
#   delivered  a valid address the fake MX accepts
#   bounce     "nouser*" local part: the fake MX answers 550 5.1.1
#   invalid    no valid address (submit skips it, status 3)
#   duplicate  the same address as an earlier row (submit skips it, status 4)
# About 2 % of the rows are unknown users, 0.5 % invalid, 0.5 % duplicates;
# the rest is spread over six destination groups: naver, kakao (daum.net,
# hanmail.net, kakao.com), gmail, nate, outlook (hotmail.com), yahoo
# (yahoo.co.kr).
import csv, os, random, sys

rows, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(seed)
os.makedirs(out, exist_ok=True)
DOMAINS = [("naver.com", "naver", 34), ("daum.net", "kakao", 9), ("hanmail.net", "kakao", 9),
           ("kakao.com", "kakao", 6), ("gmail.com", "gmail", 22), ("nate.com", "nate", 8),
           ("hotmail.com", "outlook", 6), ("yahoo.co.kr", "yahoo", 6)]
weights = [w for _, _, w in DOMAINS]
FAMILY = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "하은", "시우", "지아", "주원", "서윤", "예준", "하윤",
         "지호", "수아", "준우", "지우", "건우", "채원", "선우", "다은", "유준", "소율"]
GRADES = ["일반", "실버", "골드", "VIP"]
seen = []
with open(os.path.join(out, "list.csv"), "w", newline="", encoding="utf-8") as lf, \
        open(os.path.join(out, "expect.tsv"), "w", encoding="utf-8") as ef:
    w = csv.writer(lf, lineterminator="\r\n")
    w.writerow(["email", "name", "grade", "coupon"])
    for i in range(1, rows + 1):
        dom, group, _ = rnd.choices(DOMAINS, weights)[0]
        name = rnd.choice(FAMILY) + rnd.choice(GIVEN)
        grade = rnd.choice(GRADES)
        coupon = "E2E-%06d" % rnd.randrange(1000000)
        r = rnd.random()
        if r < 0.02:
            email, outcome = "nouser%05d@%s" % (i, dom), "bounce"
        elif r < 0.025:
            email, outcome, group = rnd.choice(["u%05d@" % i, "@" + dom, "u%05d" % i]), "invalid", "-"
        elif r < 0.03 and seen:
            prev = rnd.choice(seen)
            email, outcome, group = prev[0].upper(), "duplicate", prev[1]
        else:
            email, outcome = "u%05d@%s" % (i, dom), "delivered"
        if outcome in ("delivered", "bounce"):
            seen.append((email, group))
        w.writerow([email, name, grade, coupon])
        sent = email.lower() if outcome == "duplicate" else email
        ef.write("%d\t%s\t%s\t%s\t%s\t%s\t%s\n" % (i, sent, outcome, group, name, grade, coupon))
