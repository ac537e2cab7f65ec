#!/usr/bin/python3
# agree.py - compare "FILE<TAB>RCPT<TAB>STATUS<TAB>REASON<TAB>HARD" lines with
# a labels file (relpath, pos, status, replycode, reason, hardbounce, ...).
#
# Usage: agree.py LABELS BASEDIR < classify-output
# Prints "reason_agree=0.NNN hard_agree=0.NNN rows=N" and, with -v, each
# disagreement. Agreement is per labels row: the n-th line printed for a
# file is compared with the row whose pos is n (a missing line disagrees).
import sys, os, collections
verbose = '-v' in sys.argv
args = [a for a in sys.argv[1:] if a != '-v']
labels, base = args[0], os.path.realpath(args[1])
got = collections.defaultdict(list)
for line in sys.stdin:
    f = line.rstrip('\n').split('\t')
    if len(f) < 5:
        continue
    rel = os.path.relpath(os.path.realpath(f[0]), base)
    got[rel].append(f)
rows = ok_r = ok_h = 0
with open(labels, encoding='utf-8') as fh:
    next(fh)
    for line in fh:
        c = line.rstrip('\n').split('\t')
        if len(c) < 6:
            continue
        rel, pos, reason, hard = c[0], int(c[1]), c[4], c[5]
        rows += 1
        g = got.get(rel, [])
        if pos < len(g):
            r_ok = g[pos][3] == reason
            h_ok = g[pos][4] == hard
        else:
            r_ok = h_ok = False
        ok_r += r_ok
        ok_h += h_ok
        if verbose and not (r_ok and h_ok):
            have = g[pos][1:] if pos < len(g) else ['-']
            print('DIFF %s %d want=%s/%s got=%s' % (rel, pos, reason, hard, '/'.join(have)))
print('reason_agree=%.3f hard_agree=%.3f rows=%d' % (ok_r / max(rows, 1), ok_h / max(rows, 1), rows))
