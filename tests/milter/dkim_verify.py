#!/usr/bin/python3
# dkim_verify.py - verify every DKIM-Signature of a message with dkimpy,
# the public keys taken from local key files (no DNS).
#
# usage: dkim_verify.py KEYTABLE FILE...
#   KEYTABLE: "DOMAIN SELECTOR PRIVATE-KEY-FILE" lines (the milter's table).
# Prints, per file, "FILE: a=ALG s=SEL pass|fail" for each signature and
# "FILE: nosig" when there is none; exits 1 if any signature fails or a
# file has none.
import sys, base64, subprocess, re
import dkim

def pubkey_txt(path):
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    txt = subprocess.run(["openssl", "pkey", "-in", path, "-noout", "-text"],
                         capture_output=True, text=True).stdout
    if "ED25519" in txt.upper():
        return b"v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:])
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)

records = {}
for line in open(sys.argv[1]):
    f = line.split("#")[0].split()
    if len(f) == 3:
        records[("%s._domainkey.%s." % (f[1], f[0])).lower()] = pubkey_txt(f[2])

def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    name = name.lower()
    if not name.endswith("."):
        name += "."
    return records.get(name)

bad = 0
for path in sys.argv[2:]:
    msg = open(path, "rb").read()
    if b"\r\n" not in msg:
        msg = msg.replace(b"\n", b"\r\n")
    hdrs = msg.split(b"\r\n\r\n", 1)[0]
    n = len(re.findall(rb"(?im)^dkim-signature:", hdrs))
    if n == 0:
        print("%s: nosig" % path)
        bad += 1
        continue
    d = dkim.DKIM(msg)
    for i in range(n):
        ok = d.verify(idx=i, dnsfunc=dnsfunc)
        sig = d.signature_fields if hasattr(d, "signature_fields") else {}
        print("%s: a=%s s=%s %s" % (path, sig.get(b"a", b"?").decode(),
                                   sig.get(b"s", b"?").decode(), "pass" if ok else "fail"))
        if not ok:
            bad += 1
sys.exit(1 if bad else 0)
