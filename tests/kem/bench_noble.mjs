// The same operations as bench/bench_kem.cpp, timed in JavaScript (the references of the ratios
// in BENCHMARKS.md): X-Wing in npm @noble/post-quantum; a telemetry epoch (HPKE sender setup and
// export) in @hpke/core + @hpke/hybridkem-x-wing; one event's seal (JSON of the personal fields,
// WebCrypto AES-256-GCM). Prints {"keygen_ns", "encapsulate_ns", "decapsulate_ns", "epoch_ns",
// "event_ns"}: the median of 5 runs, each the mean over enough calls for 0.5 s.
import { webcrypto } from "node:crypto";
import { ml_kem768_x25519 as xwing } from "@noble/post-quantum/hybrid.js";
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";

const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const eseed = new Uint8Array(64);
eseed[0] = 9;
const { publicKey, secretKey } = xwing.keygen(seed);
const { cipherText } = xwing.encapsulate(publicKey, eseed);
const ops = {
  keygen_ns: () => xwing.keygen(seed),
  encapsulate_ns: () => xwing.encapsulate(publicKey, eseed),
  decapsulate_ns: () => xwing.decapsulate(cipherText, secretKey),
};
const suite = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const recipientPublicKey = await suite.kem.importKey("raw", publicKey, true);
const info = new TextEncoder().encode("aegis-telemetry-v1");
const exportContext = new TextEncoder().encode("aegis-telemetry-v1 event key");
const eventKey = await webcrypto.subtle.importKey("raw", new Uint8Array(32), "AES-GCM", false, ["encrypt"]);
const aad = new TextEncoder().encode("5f0c6a2e-3f5b-4f7e-9a51-2b8f0c1d9e77");
ops.epoch_ns = async () => {
  const ctx = await suite.createSenderContext({ recipientPublicKey, info });
  await ctx.export(exportContext, 32);
};
ops.event_ns = async () => {
  const plain = new TextEncoder().encode(JSON.stringify({ agent_id: "agent-7", session_id: "session-42" }));
  const iv = webcrypto.getRandomValues(new Uint8Array(12));
  await webcrypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, eventKey, plain);
};
const out = {};
for (const [name, op] of Object.entries(ops)) {
  for (let i = 0; i < 20; i++) await op();  // warm up the JIT
  const runs = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < 500_000_000n) {
      await op();
      n++;
      elapsed = process.hrtime.bigint() - start;
    }
    runs.push(Number(elapsed) / n);
  }
  runs.sort((a, b) => a - b);
  out[name] = runs[2];
}
console.log(JSON.stringify(out));
