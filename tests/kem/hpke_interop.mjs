// HPKE interoperability, the JavaScript side (@hpke/core + @hpke/hybridkem-x-wing): opens every
// case AEGIS sealed (FILE_IN: plaintext and exported secret must match), then seals as many
// new cases to the same keys for AEGIS to open (FILE_OUT).
// Usage: node hpke_interop.mjs FILE_IN FILE_OUT
import { readFileSync, writeFileSync } from "node:fs";
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";

const bytes = (h) => Uint8Array.from(Buffer.from(h, "hex"));
const hex = (b) => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString("hex");
const suite = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

const cases = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l).map(JSON.parse);
let failures = 0;
const out = [];
for (const [i, c] of cases.entries()) {
  const recipientKey = await suite.kem.importKey("raw", bytes(c.sk), false);
  try {
    const r = await suite.createRecipientContext({ recipientKey, enc: bytes(c.enc), info: bytes(c.info) });
    const pt = hex(await r.open(bytes(c.ct), bytes(c.aad)));
    const exported = hex(await r.export(bytes(c.exporter_context), c.export_len));
    if (pt !== c.pt || exported !== c.exported) {
      failures++;
      console.error(`case ${i}: plaintext or export differs`);
    }
  } catch (e) {
    failures++;
    console.error(`case ${i}: ${e}`);
  }
  const recipientPublicKey = await suite.kem.importKey("raw", bytes(c.pk), true);
  const s = await suite.createSenderContext({ recipientPublicKey, info: bytes(c.info) });
  const pt = bytes(c.pt).reverse();
  const ct = await s.seal(pt, bytes(c.aad));
  const exported = await s.export(bytes(c.exporter_context), c.export_len);
  out.push(JSON.stringify({ sk: c.sk, info: c.info, aad: c.aad, pt: hex(pt), enc: hex(s.enc),
                            ct: hex(ct), exporter_context: c.exporter_context,
                            export_len: c.export_len, exported: hex(exported) }));
}
writeFileSync(process.argv[3], out.join("\n") + "\n");
console.log(`hpke_interop.mjs: opened ${cases.length} AEGIS cases, ${failures} failures`);
process.exit(cases.length > 0 && failures === 0 ? 0 : 1);
