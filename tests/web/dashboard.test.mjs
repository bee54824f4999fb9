// The dashboard of `aegis serve` (GET /) in Debian's headless Chromium, driven by playwright-core:
// the charts show what the server stored, a click on a decision draws its gate margins, a bad key
// is refused, and the page never asks for anything outside the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { freePort, waitForPort } from '../common/net.mjs';

const AEGIS = process.env.AEGIS_BIN;
const KEY = 'aegis_dashboard_test_key';
const sha = (s) => createHash('sha256').update(s).digest('hex');

async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-web-'));
  writeFileSync(join(dir, 'c.yaml'),
    `server:\n  api_keys:\n    - {actor_id: ops, role: admin, key_sha256: "${sha(KEY)}"}\n`);
  const port = await freePort();
  const proc = spawn(AEGIS, ['serve', '--listen', `127.0.0.1:${port}`, '-c', join(dir, 'c.yaml'),
    '--db', `sqlite:${join(dir, 'd.db')}`], { stdio: 'ignore' });
  await waitForPort(port);
  return { proc, base: `http://127.0.0.1:${port}` };
}

async function post(base, path, body) {
  const r = await fetch(base + path, {
    method: 'POST', body: JSON.stringify(body),
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
  });
  assert.ok(r.ok, `${path}: ${r.status}`);
  return r.json();
}

function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

test('the dashboard draws the stored decisions and the drift', async () => {
  const { proc, base } = await startServer();
  const browser = await launch();
  try {
    const contexts = [0.3, 0.05, 0.3, 0.3].map((r) => ({ risk_proposed: r, risk_baseline: 0.05,
      novelty_score: 0.9, estimated_impact: 'low' }));
    const made = [];
    for (const c of contexts) made.push(await post(base, '/v1/evaluate', c));
    await post(base, '/v1/drift/baseline', { values: Array.from({ length: 50 }, (_, i) => i / 50) });
    const drift = await post(base, '/v1/drift/observations', { values: Array(30).fill(0.99) });

    const page = await browser.newPage();
    const foreign = [];
    page.on('request', (req) => { if (!req.url().startsWith(base)) foreign.push(req.url()); });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${base}/#key=${KEY}`);
    await page.waitForSelector('body[data-loaded="true"]');

    assert.equal(new URL(page.url()).hash, '', 'the key is taken out of the address');
    const summary = await page.textContent('#summary');
    const count = (s) => made.filter((d) => d.status === s).length;
    assert.match(summary, new RegExp(`^${made.length} decisions`));
    for (const s of ['proceed', 'halt']) assert.ok(summary.includes(`${s} ${count(s)}`), summary);
    assert.equal(await page.locator('#recent tbody tr').count(), made.length);
    const drawn = await page.$$eval('#chart-status-mix rect.bar',
      (rs) => rs.reduce((n, r) => n + Number(r.getAttribute('data-count')), 0));
    assert.equal(drawn, made.length);
    assert.equal(await page.locator('#chart-gate-pass-rates rect.bar').count(), 6);
    const kl = Number(await page.getAttribute('#chart-drift rect[data-kl]', 'data-kl'));
    assert.ok(Math.abs(kl - drift.kl_divergence) < 1e-3 * Math.max(1, kl), `${kl} vs ${drift.kl_divergence}`);
    assert.equal(await page.getAttribute('#chart-drift rect[data-kl]', 'data-status'), 'critical');
    assert.equal(await page.locator('#chart-drift line.threshold').count(), 2);

    // Newest first: the oldest decision is the last row. Clicking it draws its margins.
    const oldest = made[0];
    await page.click(`#recent tr[data-decision-id="${oldest.decision_id}"]`);
    await page.waitForSelector(`#chart-gate-margins figcaption code:text("${oldest.decision_id}")`);
    const risk = Number(await page.getAttribute('#chart-gate-margins rect[data-gate="risk"]', 'data-headroom'));
    const g = oldest.gate_evaluation.gates.risk;
    assert.equal(risk >= 0, g.passed);
    assert.ok(Math.abs(Math.abs(risk) - Math.abs(g.margin)) < 1e-3);
    await page.screenshot({ path: join(tmpdir(), 'aegis-dashboard.png'), fullPage: true });

    assert.deepEqual(foreign, [], 'no request leaves the server');
    assert.deepEqual(errors, [], 'no script error (the CSP allows the page its own script)');
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
  }
});

test('a refused key shows the key form, not data', async () => {
  const { proc, base } = await startServer();
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/#key=wrong`);
    await page.waitForSelector('#login:not([hidden])');
    assert.match(await page.textContent('#state'), /refused \(HTTP 401\)/);
    assert.equal(await page.locator('#recent').count(), 0);
    await page.fill('#key', KEY);
    await page.click('#login button');
    await page.waitForSelector('body[data-loaded="true"]');
    assert.match(await page.textContent('#summary'), /^0 decisions/);
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
  }
});
