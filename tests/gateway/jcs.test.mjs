// The approval digest's canonical form is RFC 8785, checked against an independent implementation
// (npm `canonicalize`) on thousands of generated values: what `aegis approvals digest --canonical`
// prints for each JSON text must equal canonicalize(JSON.parse(text)), so an outside approver can
// recompute a digest with any RFC 8785 library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AEGIS } from './harness.mjs';

// A small deterministic generator (xorshift128+), so that a failure can be replayed.
function generator(seed) {
  let a = BigInt(seed) | 1n;
  let b = 0x9e3779b97f4a7c15n;
  const mask = (1n << 64n) - 1n;
  const next = () => {
    let x = a;
    const y = b;
    a = y;
    x ^= (x << 23n) & mask;
    b = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (b + y) & mask;
  };
  return {
    bits: next,
    below: (n) => Number(next() % BigInt(n)),
  };
}

// A code point from the ranges where RFC 8785 implementations differ: controls, DEL, two-byte,
// U+2028, the top of the BMP (which sorts after surrogate pairs in UTF-16), and supplementary.
function codePoint(r) {
  const ranges = [[0x20, 0x7e], [0x00, 0x1f], [0x7f, 0x7f], [0x80, 0x7ff], [0x2028, 0x2029],
    [0xe000, 0xffff], [0x10000, 0x10ffff], [0x22, 0x22], [0x5c, 0x5c]];
  const [lo, hi] = ranges[r.below(ranges.length)];
  return lo + r.below(hi - lo + 1);
}

function string(r) {
  let s = '';
  for (let i = r.below(6); i > 0; i--) s += String.fromCodePoint(codePoint(r));
  return s;
}

// A JSON number's text: a random double, an integer between 2^53 and 2^64 (an IEEE double in
// RFC 8785, an exact integer in the project's own canonical JSON), or decimal digits. (Integer
// literals beyond 64 bits are refused by aegis's strict reader before anything is digested.)
function number(r) {
  switch (r.below(5)) {
    case 0: {
      const f = new Float64Array(new BigUint64Array([r.bits()]).buffer)[0];
      return Number.isFinite(f) ? JSON.stringify(f) : '0';
    }
    case 1: return r.below(2) ? `-${(r.bits() >> BigInt(1 + r.below(12))).toString()}` : (r.bits() >> BigInt(r.below(12))).toString();
    case 2: return (r.bits() | (1n << 53n)).toString();
    case 3: return `${r.below(1000)}.${r.bits()}e${r.below(620) - 320}`;  // below 1e303
    default: return String(r.below(100) - 50);
  }
}

function value(r, depth) {
  const pick = depth > 3 ? r.below(4) : r.below(6);
  if (pick === 0) return ['null', 'true', 'false'][r.below(3)];
  if (pick === 1) return number(r);
  if (pick === 2 || pick === 3) return JSON.stringify(string(r));
  if (pick === 4) {
    const items = [];
    for (let i = r.below(4); i > 0; i--) items.push(value(r, depth + 1));
    return `[${items.join(',')}]`;
  }
  const keys = new Set();
  for (let i = r.below(5); i > 0; i--) keys.add(string(r));
  return `{${[...keys].map((k) => `${JSON.stringify(k)}:${value(r, depth + 1)}`).join(',')}}`;
}

test('aegis writes the RFC 8785 form that npm canonicalize writes, for 5,000 generated values', () => {
  const r = generator(20261208);
  const texts = [];
  for (let i = 0; i < 5000; i++) texts.push(value(r, 0));
  const ours = execFileSync(AEGIS, ['approvals', 'digest', '--canonical'],
    { input: `${texts.join('\n')}\n`, maxBuffer: 64 << 20 }).toString().split('\n');
  let compared = 0;
  texts.forEach((t, i) => {
    const theirs = canonicalize(JSON.parse(t));
    assert.equal(ours[i], theirs, `value ${i}: ${t}`);
    compared++;
  });
  assert.equal(compared, 5000);
});

test('the digest is the SHA-256 of that form, and the RFC\'s own example comes out as printed there', () => {
  const example = '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
    '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}';
  const out = JSON.parse(execFileSync(AEGIS, ['approvals', 'digest'], { input: `${example}\n` }).toString());
  assert.equal(out.canonical, '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  assert.equal(out.canonical, canonicalize(JSON.parse(example)));
  assert.equal(out.digest, createHash('sha256').update(out.canonical).digest('hex'));
});
