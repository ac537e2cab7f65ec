#!/usr/bin/python3
# killrun.py - SIGKILL one run of a program started by a given process tree
#
# usage: killrun.py ANCESTOR_PID PROGRAM_PATH TIMEOUT OUTFILE
#
# Polls /proc until a process whose executable is PROGRAM_PATH and whose
# ancestors include ANCESTOR_PID (the lab's Postfix master: pipe(8) runs
# postbulk-bounce) exists, sends it SIGKILL, writes its PID to OUTFILE and
# exits 0. Exit 1 when none appeared within TIMEOUT seconds. Only that
# one PID is signalled.
import os, signal, sys, time

anc, prog, timeout, out = int(sys.argv[1]), os.path.realpath(sys.argv[2]), float(sys.argv[3]), sys.argv[4]


def ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def under(pid):
    for _ in range(10):
        pid = ppid(pid)
        if pid == anc:
            return True
        if pid <= 1:
            return False
    return False


end = time.time() + timeout
while time.time() < end:
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        try:
            if os.readlink("/proc/%d/exe" % pid) != prog:
                continue
        except OSError:
            continue
        if under(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                continue
            with open(out, "w") as f:
                f.write("%d\n" % pid)
            sys.exit(0)
    time.sleep(0.001)
sys.exit(1)
