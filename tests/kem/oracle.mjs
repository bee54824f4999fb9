// Line-oriented JSON oracle for X-Wing (draft-connolly-cfrg-xwing-kem-10),
// ML-KEM-768 (FIPS 203) and HPKE (RFC 9180) with KEM X-Wing (0x647A),
// HKDF-SHA256 and AES-256-GCM, backed by independent JavaScript
// implementations (@noble/post-quantum, @hpke/core + @hpke/hybridkem-x-wing).
//
// Protocol: one JSON request per stdin line, one JSON response per stdout
// line, in order. All byte fields are lowercase hex. Failures answer
// {"error": "..."}; the process exits at EOF.
//
//   {"op":"xwing_keygen","seed":HEX32}              -> {"pk","sk"}
//   {"op":"xwing_encaps","pk":HEX,"eseed":HEX64}    -> {"ct","ss"}
//   {"op":"xwing_decaps","sk":HEX,"ct":HEX}         -> {"ss"}
//   {"op":"mlkem768_keygen","seed":HEX64 (d||z)}    -> {"ek","dk"}
//   {"op":"mlkem768_encaps","ek":HEX,"m":HEX32}     -> {"c","k"}
//   {"op":"mlkem768_decaps","dk":HEX,"c":HEX}       -> {"k"}
//   {"op":"hpke_seal","pk","info","aad","pt","exporter_context","export_len"[,"eseed":HEX64]}
//                                                    -> {"enc","ct","exported"}
//   {"op":"hpke_open","sk" (32-byte X-Wing seed),"enc","info","aad","ct","exporter_context","export_len"}
//                                                    -> {"pt","exported"}
//   {"op":"hpke_export_open","sk","enc","info","exporter_context","export_len"}
//                                                    -> {"exported"}
//
// hpke_seal is randomised unless the optional "eseed" (64 bytes, the X-Wing
// encapsulation randomness, ML-KEM m || X25519 ephemeral) is given.
//
// Run: node tests/kem/oracle.mjs   (after `npm ci` in tests/kem)

import { createInterface } from "node:readline";
import { ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";

function hex(name, value, len) {
  if (typeof value !== "string" || !/^([0-9a-fA-F]{2})*$/.test(value)) {
    throw new Error(`${name}: expected a hex string`);
  }
  const out = Uint8Array.from(Buffer.from(value, "hex"));
  if (len !== undefined && out.length !== len) {
    throw new Error(`${name}: expected ${len} bytes, got ${out.length}`);
  }
  return out;
}

function optHex(name, value) {
  return value === undefined || value === null ? new Uint8Array(0) : hex(name, value);
}

function toHex(bytes) {
  return Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString("hex");
}

function exportLen(req) {
  const n = req.export_len ?? 0;
  if (!Number.isInteger(n) || n < 0) throw new Error("export_len: expected a non-negative integer");
  return n;
}

const suite = new CipherSuite({
  kem: new XWing(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

async function recipient(req) {
  const sk = await suite.kem.importKey("raw", hex("sk", req.sk, 32), false);
  return suite.createRecipientContext({
    recipientKey: sk,
    enc: hex("enc", req.enc),
    info: optHex("info", req.info),
  });
}

const ops = {
  xwing_keygen(req) {
    const { publicKey, secretKey } = ml_kem768_x25519.keygen(hex("seed", req.seed, 32));
    return { pk: toHex(publicKey), sk: toHex(secretKey) };
  },
  xwing_encaps(req) {
    const { cipherText, sharedSecret } = ml_kem768_x25519.encapsulate(
      hex("pk", req.pk, 1216),
      hex("eseed", req.eseed, 64),
    );
    return { ct: toHex(cipherText), ss: toHex(sharedSecret) };
  },
  xwing_decaps(req) {
    const ss = ml_kem768_x25519.decapsulate(hex("ct", req.ct, 1120), hex("sk", req.sk, 32));
    return { ss: toHex(ss) };
  },
  mlkem768_keygen(req) {
    const { publicKey, secretKey } = ml_kem768.keygen(hex("seed", req.seed, 64));
    return { ek: toHex(publicKey), dk: toHex(secretKey) };
  },
  mlkem768_encaps(req) {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(
      hex("ek", req.ek, 1184),
      hex("m", req.m, 32),
    );
    return { c: toHex(cipherText), k: toHex(sharedSecret) };
  },
  mlkem768_decaps(req) {
    const k = ml_kem768.decapsulate(hex("c", req.c, 1088), hex("dk", req.dk, 2400));
    return { k: toHex(k) };
  },
  async hpke_seal(req) {
    const pk = await suite.kem.importKey("raw", hex("pk", req.pk, 1216), true);
    const params = { recipientPublicKey: pk, info: optHex("info", req.info) };
    if (req.eseed !== undefined && req.eseed !== null) params.ekm = hex("eseed", req.eseed, 64);
    const ctx = await suite.createSenderContext(params);
    const ct = await ctx.seal(optHex("pt", req.pt), optHex("aad", req.aad));
    const exported = await ctx.export(optHex("exporter_context", req.exporter_context), exportLen(req));
    return { enc: toHex(ctx.enc), ct: toHex(ct), exported: toHex(exported) };
  },
  async hpke_open(req) {
    const ctx = await recipient(req);
    const pt = await ctx.open(hex("ct", req.ct), optHex("aad", req.aad));
    const exported = await ctx.export(optHex("exporter_context", req.exporter_context), exportLen(req));
    return { pt: toHex(pt), exported: toHex(exported) };
  },
  async hpke_export_open(req) {
    const ctx = await recipient(req);
    const exported = await ctx.export(optHex("exporter_context", req.exporter_context), exportLen(req));
    return { exported: toHex(exported) };
  },
};

function errorMessage(e) {
  if (!(e instanceof Error)) return String(e);
  let msg = `${e.name}: ${e.message}`;
  // hpke-js wraps the underlying failure as `cause` / message; keep it short.
  if (e.cause instanceof Error && !msg.includes(e.cause.message)) msg += ` (${e.cause.message})`;
  return msg;
}

async function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { error: `bad JSON: ${e.message}` };
  }
  if (req === null || typeof req !== "object") return { error: "request must be a JSON object" };
  const fn = Object.hasOwn(ops, req.op) ? ops[req.op] : undefined;
  if (!fn) return { error: `unknown op: ${req.op}` };
  try {
    return await fn(req);
  } catch (e) {
    return { error: errorMessage(e) };
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (line.trim() === "") continue;
  process.stdout.write(JSON.stringify(await handle(line)) + "\n");
}
