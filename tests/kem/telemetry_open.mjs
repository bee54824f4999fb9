// Opens the `encrypted` object of telemetry events with independent code: npm @hpke/core +
// @hpke/hybridkem-x-wing for the epoch's HPKE context and its export, WebCrypto AES-GCM for the
// event. Prints one JSON line per event: its event_id and the personal fields it held.
// Usage: node telemetry_open.mjs EVENTS.json PRIVATE_KEY_HEX   (EVENTS.json: a JSON array)
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";

const suite = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const b64 = (s) => Uint8Array.from(Buffer.from(s, "base64"));
const events = JSON.parse(readFileSync(process.argv[2], "utf8"));
const recipientKey = await suite.kem.importKey("raw", Uint8Array.from(Buffer.from(process.argv[3], "hex")), false);
const keys = new Map();  // enc → the epoch's AES key
for (const e of events) {
  const { alg, enc, nonce, ct } = e.encrypted;
  if (alg !== "hpke-xwing-export-aes256gcm") throw new Error(`unexpected alg ${alg}`);
  if (!keys.has(enc)) {
    const ctx = await suite.createRecipientContext({
      recipientKey, enc: b64(enc), info: new TextEncoder().encode("aegis-telemetry-v1") });
    const raw = await ctx.export(new TextEncoder().encode("aegis-telemetry-v1 event key"), 32);
    keys.set(enc, await webcrypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]));
  }
  const plain = await webcrypto.subtle.decrypt(
    { name: "AES-GCM", iv: b64(nonce), additionalData: new TextEncoder().encode(e.event_id) },
    keys.get(enc), b64(ct));
  console.log(JSON.stringify({ event_id: e.event_id, fields: JSON.parse(new TextDecoder().decode(plain)) }));
}
