// The same X-Wing operations as bench/bench_kem.cpp, timed in npm @noble/post-quantum (the
// reference of the ratio in BENCHMARKS.md). Prints {"keygen_ns", "encapsulate_ns",
// "decapsulate_ns"}: the median of 5 runs, each the mean over enough calls for 0.5 s.
import { ml_kem768_x25519 as xwing } from "@noble/post-quantum/hybrid.js";

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
const out = {};
for (const [name, op] of Object.entries(ops)) {
  for (let i = 0; i < 20; i++) op();  // warm up the JIT
  const runs = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < 500_000_000n) {
      op();
      n++;
      elapsed = process.hrtime.bigint() - start;
    }
    runs.push(Number(elapsed) / n);
  }
  runs.sort((a, b) => a - b);
  out[name] = runs[2];
}
console.log(JSON.stringify(out));
