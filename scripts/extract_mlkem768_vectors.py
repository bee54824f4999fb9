#!/usr/bin/env python3
"""Extract the ML-KEM-768 test vectors used by the C++ tests.

Writes into tests/data/:
  mlkem768_acvp_keygen.json       NIST ACVP ML-KEM-keyGen-FIPS203
  mlkem768_acvp_encapdecap.json   NIST ACVP ML-KEM-encapDecap-FIPS203 and -FIPS203-tr1
  mlkem768_wycheproof.json        Wycheproof mlkem_768_test + mlkem_768_semi_expanded_decaps_test
  mlkem768_wycheproof_encaps.json Wycheproof mlkem_768_encaps_test
  mlkem768_wycheproof_keygen.json Wycheproof mlkem_768_keygen_seed_test
(The Wycheproof data is split over three files so that each stays below ~1.5 MB.)

Inputs are read straight out of bare git mirrors (no work tree):
  ACVP_GIT  : a clone of usnistgov/ACVP-Server (or a fork holding the same commit)
  WYCH_GIT  : a clone of C2SP/wycheproof
Usage: python3 extract_mlkem768_vectors.py ACVP_GIT WYCH_GIT
Only the standard library is used.
"""
import hashlib
import json
import os
import subprocess
import sys

ACVP_COMMIT = "2972def23bf9f3680c2c531561ed9bdd0f1086ad"  # RELEASE/v1.1.0.43
WYCH_COMMIT = "dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
Q = 3329


def git_show(gitdir, commit, path):
    return subprocess.run(["git", "--git-dir", gitdir, "show", f"{commit}:{path}"],
                          check=True, capture_output=True).stdout


def git_last_commit(gitdir, commit, path):
    return subprocess.run(["git", "--git-dir", gitdir, "log", "-1", "--format=%H %cs", commit, "--", path],
                          check=True, capture_output=True, text=True).stdout.strip()


def load(gitdir, commit, path):
    raw = git_show(gitdir, commit, path)
    meta = {"path": path, "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw),
            "last_changed_in": git_last_commit(gitdir, commit, path)}
    return json.loads(raw.decode("utf-8-sig")), meta


def dump(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    print(f"{name}: {os.path.getsize(path)} bytes")


def byte_decode12(b):
    out = []
    for i in range(0, len(b), 3):
        x = b[i] | b[i + 1] << 8 | b[i + 2] << 16
        out += [x & 0xFFF, x >> 12]
    return out


def byte_encode12(coeffs):
    out = bytearray()
    for i in range(0, len(coeffs), 2):
        x = coeffs[i] | coeffs[i + 1] << 12
        out += bytes([x & 0xFF, (x >> 8) & 0xFF, x >> 16])
    return bytes(out)


def intended_bad_ek(ek_hex):
    """What NIST's BadEncapsulationKeyManipulator was meant to output (and does output in
    later upstream versions): the original 1184-byte ek with t_hat[0][0] set to q+1."""
    ek = bytes.fromhex(ek_hex)[:1184]
    coeffs = byte_decode12(ek[:384])
    coeffs[0] = Q + 1
    return (byte_encode12(coeffs) + ek[384:]).hex().upper()


def acvp(gitdir):
    base = "gen-val/json-files/"
    src_common = (f"NIST ACVP: github.com/usnistgov/ACVP-Server, commit {ACVP_COMMIT} "
                  f"(RELEASE/v1.1.0.43, 2026-07-20, author livebe01@nist.gov), folder gen-val/json-files/. "
                  f"Read from the mirror github.com/gkruitbosch/ACVP-Server (snapshot 234dc178, a fork that "
                  f"merges usnistgov:master; the commit above is NIST's own release commit in that history). "
                  f"Data comes from internalProjection.json (prompt + expected answers + intermediate values).")

    # ---- keyGen
    kg, kg_meta = load(gitdir, ACVP_COMMIT, base + "ML-KEM-keyGen-FIPS203/internalProjection.json")
    tests = []
    for g in kg["testGroups"]:
        if g["parameterSet"] != "ML-KEM-768":
            continue
        for t in g["tests"]:
            tests.append({"tgId": g["tgId"], "tcId": t["tcId"], "d": t["d"], "z": t["z"],
                          "ek": t["ek"], "dk": t["dk"]})
    dump("mlkem768_acvp_keygen.json", {
        "source": src_common + " File: ML-KEM-keyGen-FIPS203/internalProjection.json, "
                               "testGroup parameterSet ML-KEM-768 (tgId 2, testType AFT).",
        "source_files": [kg_meta],
        "notes": ("ML-KEM.KeyGen_internal(d, z) -> (ek, dk). Field names are as in ACVP (no renaming). "
                  "Hex is upper case. d, z: 32 bytes; ek: 1184 bytes; dk: 2400 bytes "
                  "(dk = dk_pke(1152) || ek(1184) || H(ek)=SHA3-256(ek)(32) || z(32)). "
                  "The ACVP field 'deferred' (always false) was dropped."),
        "tests": tests,
    })

    # ---- encapDecap, both revisions
    out = {"encapsulation": [], "decapsulation": [], "ek_check": [], "dk_check": []}
    metas = []
    for folder in ("ML-KEM-encapDecap-FIPS203", "ML-KEM-encapDecap-FIPS203-tr1"):
        j, meta = load(gitdir, ACVP_COMMIT, base + folder + "/internalProjection.json")
        metas.append(meta)
        rev = j["revision"]
        for g in j["testGroups"]:
            if g["parameterSet"] != "ML-KEM-768":
                continue
            fn = g["function"]
            for t in g["tests"]:
                common = {"revision": rev, "tgId": g["tgId"], "tcId": t["tcId"]}
                if fn == "encapsulation":
                    out["encapsulation"].append({**common, "ek": t["ek"], "m": t["m"], "c": t["c"],
                                                 "k": t["k"], "dk": t["dk"]})
                elif fn == "decapsulation":
                    out["decapsulation"].append({**common, "keyFormat": g["keyFormat"], "reason": t["reason"],
                                                 "dk": t["dk"], "c": t["c"], "k": t["k"],
                                                 "d": t["d"], "z": t["z"]})
                elif fn == "encapsulationKeyCheck":
                    e = {**common, "ek": t["ek"], "testPassed": t["testPassed"], "reason": t["reason"],
                         "ek_bytes": len(t["ek"]) // 2}
                    if not t["testPassed"]:
                        e["ek_intended_derived"] = intended_bad_ek(t["ek"])
                    out["ek_check"].append(e)
                elif fn == "decapsulationKeyCheck":
                    out["dk_check"].append({**common, "dk": t["dk"], "testPassed": t["testPassed"],
                                            "reason": t["reason"]})
                else:
                    raise SystemExit("unknown function " + fn)
    dump("mlkem768_acvp_encapdecap.json", {
        "source": src_common + " Files: ML-KEM-encapDecap-FIPS203/internalProjection.json (revision "
                               "'FIPS203') and ML-KEM-encapDecap-FIPS203-tr1/internalProjection.json (revision "
                               "'FIPS203-tr1'); only testGroups with parameterSet ML-KEM-768. The two revisions "
                               "hold different random vectors with the same group layout; tcIds repeat across "
                               "revisions, so (revision, tcId) is the key.",
        "source_files": metas,
        "notes": [
            "Hex is upper case, as in ACVP. Names are the ACVP names (ek, dk, m, c, k, d, z, testPassed, reason); "
            "nothing was renamed. The ACVP field 'deferred' (always false) was dropped.",
            "encapsulation: tgId 2 (function 'encapsulation', testType AFT). ML-KEM.Encaps_internal(ek, m) must give "
            "(k, c). 'dk' is the matching decapsulation key (extra field, allows Decaps(dk, c) == k).",
            "decapsulation: tgId 6 (keyFormat 'seed') and tgId 7 (keyFormat 'expanded'), testType VAL. "
            "ML-KEM.Decaps_internal(dk, c) must give k. In 'seed' groups the IUT is handed (d, z) and must first "
            "expand them with KeyGen_internal(d, z) (which yields the given dk); in 'expanded' groups it is handed dk. "
            "Both are given for every case. reason 'valid decapsulation': c is a genuine ciphertext and k is the "
            "encapsulated secret. reason 'modified ciphertext': c was altered, and k is the implicit-rejection key "
            "K_bar = SHAKE256(z || c, 32 bytes) with z = last 32 bytes of dk (checked by the extractor's author). "
            "Decaps never fails: it returns k in both cases.",
            "ek_check: tgId 13, function 'encapsulationKeyCheck' (FIPS 203 7.2 input checks: length and modulus "
            "check ByteEncode12(ByteDecode12(ek)) == ek). testPassed true = ek must be accepted, false = rejected. "
            "reason 'valid encapsulation key' or 'noisy linear system values too large'. GENERATOR BUG in this "
            "release: the rejected eks are 1600 bytes, namely the valid 1184-byte ek || ByteEncode12(t_hat[k-1]) "
            "(384 bytes, unmodified) || rho (32 bytes), because BadEncapsulationKeyManipulator.cs concatenates onto "
            "the original ek; their first 1184 bytes are a valid ek. So these cases only test the length check. "
            "'ek_bytes' gives the ek length. For each rejected case the extractor adds 'ek_intended_derived' "
            "(NOT from NIST): the original 1184-byte ek with coefficient t_hat[0][0] set to q+1 = 3330, which is "
            "what the manipulator intends and what a later upstream version (commit ad33b3d9) emits; it must also "
            "be rejected, by the modulus check.",
            "dk_check: tgId 12, function 'decapsulationKeyCheck' (FIPS 203 7.3 input checks: dk length 2400 and "
            "the hash check H(dk[384k : 768k+32]) == dk[768k+32 : 768k+64]). testPassed true = accept, "
            "false = reject. reason 'valid decapsulation key' or 'modified H' (one bit of the stored H(ek), byte "
            "768*3+48 = 2352, flipped).",
        ],
        **out,
    })
    return {k: len(v) for k, v in out.items()}, len(tests)


WYCH_SEMANTICS = {
    "result": "'valid': the operation must succeed and give exactly the expected outputs. 'invalid': the "
              "implementation must reject the input (return an error); expected outputs are then absent or \"\". "
              "'acceptable' (either outcome is fine) does not occur in these ML-KEM-768 files.",
    "mlkem_768_test.json": "schema mlkem_test_schema.json, type MLKEMTest. seed = d || z (64 bytes). "
                           "Run KeyGen_internal(d, z); if 'ek' is present it must equal the derived ek. Then "
                           "Decaps(dk, c) must equal 'K'. invalid: seed of the wrong length ('Private key too "
                           "short/long', no ek, K \"\") or c of the wrong length ('Ciphertext too short/long', "
                           "K \"\"). Valid 'Bit flipped ciphertext', 'Random ciphertext' and the Strcmp case take "
                           "the implicit-rejection path: K = SHAKE256(z || c, 32).",
    "mlkem_768_semi_expanded_decaps_test.json": "schema mlkem_semi_expanded_decaps_test_schema.json, type "
                           "MLKEMDecapsValidationTest. dk is the 2400-byte expanded key, 'ek' is the ek embedded "
                           "in dk. valid: Decaps(dk, c) must return 'K' (tcId 8 and 9, flag MalleableCiphertext: "
                           "K is the implicit-rejection key; catch a re-encryption compare that skips the last "
                           "byte of c1 or c2). invalid (no K): wrong c length, wrong dk length, or dk failing the "
                           "FIPS 203 7.3 hash check (corrupted H(ek) or corrupted embedded ek): must be rejected.",
    "mlkem_768_encaps_test.json": "schema mlkem_encaps_test_schema.json, type MLKEMEncapsTest. "
                           "Encaps_internal(ek, m) must give ciphertext 'c' and shared secret 'K'. invalid (c and "
                           "K are \"\"): ek must be rejected by the FIPS 203 7.2 checks: wrong length ('Public key "
                           "is too short/long') or a coefficient >= q ('Public key not reduced', and the 12 "
                           "CCTV/modulus cases with flag ModulusOverflow).",
    "mlkem_768_keygen_seed_test.json": "schema mlkem_keygen_seed_test_schema.json, type MLKEMKeyGen. "
                           "KeyGen_internal(d, z) with seed = d || z (64 bytes) must give 'ek' (1184 bytes) and "
                           "'dk' (2400 bytes, expanded). All 100 are valid.",
}


def wycheproof(gitdir):
    def flatten(fname):
        path = "testvectors_v1/" + fname
        j, meta = load(gitdir, WYCH_COMMIT, path)
        tests = []
        for g in j["testGroups"]:
            for t in g["tests"]:
                e = {"tcId": t["tcId"], "comment": t.get("comment", ""), "flags": t.get("flags", []),
                     "result": t["result"]}
                for k, v in t.items():
                    if k not in e:
                        e[k] = v
                for k, v in g.items():
                    if k == "tests":
                        continue
                    e[("group_" + k) if k in e else k] = v
                tests.append(e)
        assert len(tests) == j["numberOfTests"], fname
        body = {k: v for k, v in j.items() if k != "testGroups"}
        body["source_file"] = meta
        body["tests"] = tests
        return body

    src = (f"Wycheproof: github.com/C2SP/wycheproof, commit {WYCH_COMMIT} (2026-08-18), folder "
           f"testvectors_v1/; schemas in schemas/. testGroups flattened: every group field (type, source, "
           f"parameterSet) is copied into each test; 'comment' defaults to \"\" and 'flags' to [] when absent. "
           f"Test fields and hex are exactly as given (hex lower case; note the shared secret is 'K', upper case).")
    parts = ["mlkem768_wycheproof.json", "mlkem768_wycheproof_encaps.json", "mlkem768_wycheproof_keygen.json"]
    layout = {
        "mlkem768_wycheproof.json": ["mlkem_768_test.json", "mlkem_768_semi_expanded_decaps_test.json"],
        "mlkem768_wycheproof_encaps.json": ["mlkem_768_encaps_test.json"],
        "mlkem768_wycheproof_keygen.json": ["mlkem_768_keygen_seed_test.json"],
    }
    counts = {}
    for outname, fnames in layout.items():
        files = {}
        for fn in fnames:
            files[fn] = flatten(fn)
            counts[fn] = len(files[fn]["tests"])
        dump(outname, {"source": src, "parts": parts, "semantics": WYCH_SEMANTICS, "files": files})
    return counts


if __name__ == "__main__":
    acvp_git, wych_git = sys.argv[1], sys.argv[2]
    print(acvp(acvp_git))
    print(wycheproof(wych_git))
