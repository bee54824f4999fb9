"""Runs ct_check under valgrind and fails on any report that depends on a secret.

One report is expected and allowed: OpenSSL's X25519 compares its result with zero (a peer's
point of small order) and its EVP_PKEY_derive branches on that verdict. It is allowed only as
exactly one code address in libcrypto, reached straight from xwing's X25519 key; any other site —
in the project's code, in OpenSSL's SHA3, or a second site in libcrypto — fails.
Usage: ct_check.py PATH_TO_ct_check
"""
import re
import subprocess
import sys
import tempfile

with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
    run = subprocess.run(["valgrind", "--quiet", f"--log-file={log.name}", sys.argv[1]],
                         capture_output=True, text=True)
    text = log.read()
if run.returncode != 0 or "ct_check: done" not in run.stdout:
    sys.exit(f"ct_check did not finish (rc {run.returncode}):\n{run.stdout}{run.stderr}{text}")
reports = [r for r in re.split(r"\n==\d+== \n", text) if "uninitialised" in r]
sites = set()
for r in reports:
    frames = re.findall(r"(?:at|by) (0x[0-9A-F]+): (.*)", r)
    top, caller = frames[0], frames[1] if len(frames) > 1 else ("", "")
    if ("libcrypto.so" not in top[1] or "xwing" not in caller[1]
            or "x25519" not in caller[1].lower()):
        sys.exit("a branch or index depends on a secret:\n" + r)
    sites.add(top[0])
if len(sites) > 1:
    sys.exit(f"more than one secret-dependent site in OpenSSL's X25519: {sorted(sites)}\n{text}")
print(f"constant time: {len(reports)} report(s), all at OpenSSL's X25519 zero check {sorted(sites)}")
