// Differential test: every line of `kem_vectors N` (the project's X-Wing and ML-KEM-768) is
// recomputed with npm @noble/post-quantum and must agree byte for byte: key generation from the
// seed, encapsulation with the given randomness, decapsulation, and the implicit rejection of a
// tampered ciphertext. Usage: node differential.mjs FILE.jsonl
import { readFileSync } from "node:fs";
import { ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";

const bytes = (h) => Uint8Array.from(Buffer.from(h, "hex"));
const hex = (b) => Buffer.from(b).toString("hex");
const lines = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.length > 0);
let failures = 0;
const expect = (i, what, got, want) => {
  if (got !== want) {
    failures++;
    if (failures <= 10) console.error(`line ${i}: ${what} differs:\n  noble ${got}\n  aegis ${want}`);
  }
};
lines.forEach((line, i) => {
  const v = JSON.parse(line);
  const keys = ml_kem768_x25519.keygen(bytes(v.sk));
  expect(i, "X-Wing public key", hex(keys.publicKey), v.pk);
  const enc = ml_kem768_x25519.encapsulate(bytes(v.pk), bytes(v.eseed));
  expect(i, "X-Wing ciphertext", hex(enc.cipherText), v.ct);
  expect(i, "X-Wing shared secret", hex(enc.sharedSecret), v.ss);
  expect(i, "X-Wing decapsulation", hex(ml_kem768_x25519.decapsulate(bytes(v.ct), bytes(v.sk))), v.ss);
  expect(i, "X-Wing tampered decapsulation",
         hex(ml_kem768_x25519.decapsulate(bytes(v.ct_forged), bytes(v.sk))), v.ss_forged);
  const mk = ml_kem768.keygen(bytes(v.dz));
  expect(i, "ML-KEM ek", hex(mk.publicKey), v.ek);
  expect(i, "ML-KEM dk", hex(mk.secretKey), v.dk);
  const me = ml_kem768.encapsulate(bytes(v.ek), bytes(v.m));
  expect(i, "ML-KEM ciphertext", hex(me.cipherText), v.c);
  expect(i, "ML-KEM shared secret", hex(me.sharedSecret), v.k);
  expect(i, "ML-KEM tampered decapsulation",
         hex(ml_kem768.decapsulate(bytes(v.c_forged), bytes(v.dk))), v.k_forged);
});
if (lines.length === 0) failures++;
console.log(`differential: ${lines.length} cases, ${failures} mismatches`);
process.exit(failures === 0 ? 0 : 1);
