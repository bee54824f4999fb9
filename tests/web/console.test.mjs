// The operator console of `aegis serve` (GET /) in Debian's headless Chromium, driven by
// playwright-core, over a store of 100,000 decisions: each panel shows what the API answers,
// filters narrow the table to what the API finds, a click opens the decision view, the override
// panel's command really signs the override, screenshots at 1400×900 show drawn charts, a bad
// key is refused, and the page never asks for anything outside the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { freePort, prometheusScraping, waitForPort } from '../common/net.mjs';

const AEGIS = process.env.AEGIS_BIN;
const SHOTS = process.env.AEGIS_SCREENSHOT_DIR || mkdtempSync(join(tmpdir(), 'aegis-shots-'));
const KEYS = {
  admin: ['ops', 'admin'], proposer: ['ci-bot', 'proposer'], analyst: ['model-a', 'analyst'],
  risk: ['risk-lead-1', 'risk_lead'], sec: ['sec-lead-1', 'security_lead'],
  approver: ['human-1', 'approver'], agent: ['desktop-agent', 'proposer'],
  flagger: ['flagger', 'executor'],
};
const key = (name) => `aegis_console_test_${name}`;
const sha = (s) => createHash('sha256').update(s).digest('hex');
const DECISIONS = 100000;
const AGENTS = ['deploy-bot', 'migrator', 'agent-7', 'reviewer', 'ops-bot'];
const TZ_OFFSET_MS = 5.5 * 3600 * 1000;  // the browser runs in Asia/Kolkata (UTC+05:30)

let server, base, dir, browser, prometheus;

function aegis(...args) {
  return JSON.parse(execFileSync(AEGIS, args, { encoding: 'utf8' }));
}

async function call(method, path, who, body) {
  const r = await fetch(base + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${key(who)}`, 'Content-Type': 'application/json' },
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}
const get = (path) => call('GET', path, 'analyst');

// The i-th seeded context: five agents, risks and novelties that give every status but pause.
function context(i) {
  const risk = [0.05, 0.3, 0.06, 0.9, 0.04][i % 5];
  return {
    agent_id: AGENTS[i % 5], session_id: `s-${i % 97}`, risk_baseline: 0.05, risk_proposed: risk,
    novelty_score: [0.9, 0.9, 0.2, 0.9, 0.9, 0.8, 0.9][i % 7],
    estimated_impact: i % 11 === 0 ? 'high' : 'low', proposal_summary: `change ${i}`,
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-console-'));
  // A real Prometheus for the rollout gates: a healthy canary beside its primary.
  prometheus = await prometheusScraping(dir, () =>
    'errors{deployment="podinfo-primary"} 0.01\nerrors{deployment="podinfo"} 0.01\n');
  const risk = aegis('keygen', '-o', join(dir, 'risk.key'));
  const sec = aegis('keygen', '-o', join(dir, 'sec.key'));
  const keyLines = Object.entries(KEYS).map(([name, [actor, role]]) =>
    `    - {actor_id: ${actor}, role: ${role}, key_sha256: "${sha(key(name))}"}\n`).join('');
  writeFileSync(join(dir, 'c.yaml'),
    'server:\n  rate_limit_per_minute: 0\n  max_body_bytes: 8388608\n  api_keys:\n' + keyLines +
    'custodians:\n' +
    `  - {actor_id: risk-lead-1, role: risk_lead, public_key: "${risk.public_key}"}\n` +
    `  - {actor_id: sec-lead-1, role: security_lead, public_key: "${sec.public_key}"}\n` +
    // A gateway policy, for the approvals of held tool calls (asked through /v1/tool-calls/decide).
    'gateway:\n  upstreams:\n    - {name: fs, command: node, args: [server.js]}\n  rules:\n' +
    '    - {name: shared-writes, upstream: fs, tools: [write_file], when: [{arg: path, prefix: /srv/shared/}],\n' +
    '       context: {estimated_impact: medium, requires_human_approval: true}, record: [path]}\n' +
    '    - {name: deletes, upstream: fs, tools: [delete_*], context: {estimated_impact: high, risk_proposed: 0.95},\n' +
    '       record: [path]}\n' +
    // The rollout gates: a high-impact rollout, which a person approves (PAUSE).
    `sources:\n  prometheus: {url: '${prometheus.base}'}\n  fields:\n` +
    "    risk_baseline: 'errors{deployment=\"{{name}}-primary\"}'\n" +
    "    risk_proposed: 'errors{deployment=\"{{name}}\"}'\n" +
    '  context: {estimated_impact: high}\n');
  const port = await freePort();
  server = spawn(AEGIS, ['serve', '--listen', `127.0.0.1:${port}`, '-c', join(dir, 'c.yaml'),
    '--db', `sqlite:${join(dir, 'd.db')}`], { stdio: 'ignore' });
  await waitForPort(port);
  base = `http://127.0.0.1:${port}`;
  // In three parts a second apart, so that some decisions lie whole seconds from the first and
  // the last (the time filter's inputs hold seconds).
  for (let start = 0; start < DECISIONS; start += 5000) {
    const items = Array.from({ length: 5000 }, (_, j) => context(start + j));
    await call('POST', '/v1/evaluate/batch', 'proposer', items);
    if (start === 30000 || start === 65000) await new Promise((r) => setTimeout(r, 1100));
  }
  // Drift: three checks of a growing window after a baseline: like it (normal), then with more
  // at the top, then mostly at one end (critical).
  const spread = (n, lo, hi) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / n);
  await call('POST', '/v1/drift/baseline', 'admin', { values: spread(100, 0, 1) });
  for (const values of [spread(60, 0, 1), spread(30, 0.7, 1), spread(300, 0.98, 1)])
    await call('POST', '/v1/drift/observations', 'proposer', { values });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  if (prometheus) prometheus.stop();
});

// A console page at 1400×900, watched for requests to anywhere else and for script errors.
async function open(hash = '', as = key('analyst')) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 },
    timezoneId: 'Asia/Kolkata' });
  const page = await context.newPage();
  page.foreign = [];
  page.errors = [];
  page.on('request', (req) => { if (!req.url().startsWith(base)) page.foreign.push(req.url()); });
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  await page.goto(`${base}/#key=${as}${hash}`);
  await page.waitForSelector(as === key('analyst') ? 'body[data-loaded="true"]' : '#state');
  return page;
}
async function close(page) {
  assert.deepEqual(page.foreign, [], 'no request leaves the server');
  assert.deepEqual(page.errors, [], 'no script error (the CSP allows the page its own script)');
  await page.context().close();
}
// Runs `action` and waits until the page has loaded a view again.
async function reloaded(page, action) {
  await page.evaluate(() => document.body.removeAttribute('data-loaded'));
  await action();
  await page.waitForSelector('body[data-loaded="true"]');
}

// The element's screenshot is a drawn chart: besides its background it has several colours
// covering a fair share of it (decoded in the browser from the PNG Chromium took).
async function assertDrawn(locator, name, minShare = 0.02) {
  const png = await locator.screenshot({ path: join(SHOTS, `${name}.png`) });
  const page = await browser.newPage();
  try {
    const r = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const counts = new Map();
      for (let i = 0; i < d.length; i += 4) {
        const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
        counts.set(k, (counts.get(k) || 0) + 1);
      }
      const total = d.length / 4;
      return { width: img.width, total, ink: total - Math.max(...counts.values()), colours: counts.size };
    }, png.toString('base64'));
    assert.ok(r.width > 100, `${name}: ${r.width} px wide`);
    assert.ok(r.ink / r.total >= minShare && r.colours >= 3,
      `${name}: ${r.ink} of ${r.total} pixels drawn, ${r.colours} colours`);
  } finally {
    await page.close();
  }
}

const rowIds = (page, table = '#decisions') =>
  page.$$eval(`${table} tbody tr[data-decision-id]`, (rs) => rs.map((r) => r.dataset.decisionId));
const ids = (body) => body.decisions.map((d) => d.decision_id);

test('the overview counts what the API lists and draws its charts', async () => {
  const page = await open();
  try {
    assert.equal(new URL(page.url()).hash.includes('key='), false, 'the key is taken out of the address');
    const newest = await get('/v1/decisions?order=desc&limit=500');
    const summary = await page.textContent('#summary');
    assert.match(summary, /^500 decisions/);
    for (const s of ['proceed', 'pause', 'halt', 'escalate']) {
      const n = newest.decisions.filter((d) => d.status === s).length;
      assert.ok(summary.includes(`${s} ${n}`), `${s} ${n} in ${summary}`);
    }
    const drawn = await page.$$eval('#chart-status-mix rect.bar',
      (rs) => rs.reduce((n, r) => n + Number(r.getAttribute('data-count')), 0));
    assert.equal(drawn, 500);
    await page.screenshot({ path: join(SHOTS, 'console-overview.png') });
    for (const chart of ['chart-status-mix', 'chart-gate-pass-rates', 'chart-drift'])
      await assertDrawn(page.locator(`#${chart} svg`), chart);
    // A click on a recent decision opens it in the decision view.
    const id = newest.decisions[3].decision_id;
    await page.click(`#recent tr[data-decision-id="${id}"]`);
    await page.waitForSelector(`#decision-view[data-decision-id="${id}"] #dv-seq`);
    assert.equal(await page.textContent('#dv-seq'), String(newest.entries[3].seq));
  } finally {
    await close(page);
  }
});

test('the decisions table pages through 100,000 decisions as the API does', async () => {
  const page = await open('&view=decisions');
  try {
    const first = await get('/v1/decisions?order=desc&limit=50');
    assert.deepEqual(await rowIds(page), ids(first));
    assert.equal(await page.getAttribute('#decisions tbody tr', 'data-seq'), String(first.entries[0].seq));
    assert.ok(first.entries[0].seq >= DECISIONS);
    await reloaded(page, () => page.click('#older'));
    const second = await get(`/v1/decisions?order=desc&limit=50&cursor=${first.next_cursor}`);
    assert.deepEqual(await rowIds(page), ids(second));
    await reloaded(page, () => page.click('#older'));
    await reloaded(page, () => page.click('#newer'));
    assert.deepEqual(await rowIds(page), ids(second));
    await reloaded(page, () => page.click('#newer'));
    assert.deepEqual(await rowIds(page), ids(first));
    assert.equal(await page.isDisabled('#newer'), true);
  } finally {
    await close(page);
  }
});

test('each filter narrows the table to what the API finds', async () => {
  const page = await open('&view=decisions');
  try {
    const apply = (fill) => reloaded(page, async () => { await fill(); await page.click('#f-apply'); });
    await apply(() => page.selectOption('#f-status', 'halt'));
    const halted = await get('/v1/decisions?order=desc&limit=50&status=halt');
    assert.equal(halted.decisions.length, 50);
    assert.deepEqual(await rowIds(page), ids(halted));
    const statuses = await page.$$eval('#decisions tbody tr td:nth-child(3)', (ts) => ts.map((t) => t.textContent));
    assert.deepEqual([...new Set(statuses)], ['halt']);
    await apply(() => page.fill('#f-agent', 'migrator'));
    const both = await get('/v1/decisions?order=desc&limit=50&status=halt&agent_id=migrator');
    assert.ok(both.decisions.length > 0);
    assert.deepEqual(await rowIds(page), ids(both));
    const agents = await page.$$eval('#decisions tbody tr td:nth-child(4)', (ts) => ts.map((t) => t.textContent));
    assert.deepEqual([...new Set(agents)], ['migrator']);
    await apply(() => page.selectOption('#f-gate', 'novelty'));
    const three = await get('/v1/decisions?order=desc&limit=50&status=halt&agent_id=migrator&failing_gate=novelty');
    assert.ok(three.decisions.length > 0);
    assert.deepEqual(await rowIds(page), ids(three));
    three.decisions.forEach((d, i) => {
      assert.ok(d.status === 'halt' && d.failing_gates.includes('novelty'), d.decision_id);
      assert.equal(three.entries[i].agent_id, 'migrator');
    });
    assert.match(new URL(page.url()).hash, /status=halt.*agent_id=migrator.*failing_gate=novelty/);

    // A time range, typed in the browser's local time (UTC+05:30), as the API's UTC bounds.
    await reloaded(page, () => page.click('#f-clear'));
    const second = (t) => t.slice(0, 19);  // the inputs hold seconds
    const oldest = (await get('/v1/decisions?order=asc&limit=1')).entries[0].time;
    const newest = (await get('/v1/decisions?order=desc&limit=1')).entries[0].time;
    const lo = new Date(Date.parse(`${second(oldest)}Z`) + 1000).toISOString().slice(0, 19);
    const hi = second(newest);
    const local = (utc) => new Date(Date.parse(`${utc}Z`) + TZ_OFFSET_MS).toISOString().slice(0, 19);
    await apply(async () => { await page.fill('#f-since', local(lo)); await page.fill('#f-until', local(hi)); });
    const ranged = await get(`/v1/decisions?order=desc&limit=50&since=${lo}.000Z&until=${hi}.000Z`);
    assert.ok(ranged.decisions.length > 0);
    assert.deepEqual(await rowIds(page), ids(ranged));
    const times = await page.$$eval('#decisions tbody tr td:first-child', (ts) => ts.map((t) => t.textContent));
    assert.ok(times.every((t) => t >= `${lo}.000Z` && t < `${hi}.000Z`), `${times[0]} in [${lo}, ${hi})`);

    // A filter nothing matches says so.
    await apply(() => page.fill('#f-agent', 'nobody'));
    assert.equal((await rowIds(page)).length, 0);
    assert.match(await page.textContent('#decisions tbody'), /No decision matches/);
  } finally {
    await close(page);
  }
});

test('the MCP gateway filters: upstream and tool go to the API and back into the link', async () => {
  const page = await open('&view=decisions');
  try {
    await reloaded(page, async () => {
      await page.fill('#f-upstream', 'fs');
      await page.fill('#f-tool', 'write_file');
      await page.click('#f-apply');
    });
    // This store holds no gateway calls: the API finds none, and the table says so.
    const want = await get('/v1/decisions?order=desc&limit=50&upstream=fs&tool=write_file');
    assert.equal(want.decisions.length, 0);
    assert.match(await page.textContent('#decisions tbody'), /No decision matches/);
    assert.match(new URL(page.url()).hash, /upstream=fs.*tool=write_file/);
  } finally {
    await close(page);
  }
});

test('a link with filters opens the same table', async () => {
  const page = await open('&view=decisions&status=escalate&agent_id=deploy-bot');
  try {
    const want = await get('/v1/decisions?order=desc&limit=50&status=escalate&agent_id=deploy-bot');
    assert.ok(want.decisions.length > 0);
    assert.deepEqual(await rowIds(page), ids(want));
    assert.equal(await page.inputValue('#f-agent'), 'deploy-bot');
    assert.equal(await page.inputValue('#f-status'), 'escalate');
  } finally {
    await close(page);
  }
});

test('the decision view shows a decision as stored, with its place in the chain', async () => {
  const page = await open('&view=decisions');
  try {
    // The oldest of 100,000, found by its id.
    const oldest = await get('/v1/decisions?order=asc&limit=1');
    const d = oldest.decisions[0], e = oldest.entries[0];
    await page.fill('#f-id', d.decision_id);
    await page.press('#f-id', 'Enter');
    await page.waitForSelector(`#decision-view[data-decision-id="${d.decision_id}"] #dv-seq`);
    assert.equal(await page.textContent('#dv-seq'), String(e.seq));
    assert.equal(await page.textContent('#dv-entry-hash'), e.entry_hash);
    assert.equal(await page.textContent('#dv-agent'), e.agent_id);
    assert.equal(await page.textContent('#dv-session'), e.session_id);

    // A halted decision with counterfactuals, opened by a click in the table.
    const halted = await get('/v1/decisions?order=desc&limit=1&status=halt&failing_gate=risk');
    const h = halted.decisions[0];
    await page.fill('#f-agent', halted.entries[0].agent_id);
    await page.selectOption('#f-status', 'halt');
    await page.selectOption('#f-gate', 'risk');
    await reloaded(page, () => page.click('#f-apply'));
    await page.click(`#decisions tr[data-decision-id="${h.decision_id}"]`);
    await page.waitForSelector(`#decision-view[data-decision-id="${h.decision_id}"] #dv-gates`);
    assert.equal(await page.textContent('#dv-rationale'), h.rationale);
    assert.deepEqual(await page.$$eval('#dv-next-steps li', (ls) => ls.map((l) => l.textContent)), h.next_steps);
    assert.equal(await page.textContent('#dv-seq'), String(halted.entries[0].seq));
    assert.equal(await page.textContent('#dv-entry-hash'), halted.entries[0].entry_hash);
    const gates = h.gate_evaluation.gates;
    const rows = await page.$$eval('#dv-gates tbody tr', (rs) => rs.map((r) => ({
      gate: r.dataset.gate, passed: r.dataset.passed === 'true',
      distance: r.querySelector('.distance').textContent, cf: r.querySelector('.counterfactual').textContent,
    })));
    assert.deepEqual(rows.map((r) => r.gate).sort(), Object.keys(gates).sort());
    for (const r of rows) {
      assert.equal(r.passed, gates[r.gate].passed, r.gate);
      // One sign convention: positive on the passing side, whichever way the gate compares
      // (the wire's margin is value - threshold, so a failing risk gate has a positive margin).
      const expected = (gates[r.gate].passed ? 1 : -1) * Math.abs(gates[r.gate].margin);
      assert.ok(Math.abs(Number(r.distance) - expected) <= 1e-3 * Math.max(1, Math.abs(expected)),
        `${r.gate}: ${r.distance} vs ${expected}`);
      if (Number(r.distance) !== 0) assert.equal(Number(r.distance) > 0, r.passed, `${r.gate}: sign`);
    }
    assert.ok(gates.risk.margin > 0 && !gates.risk.passed, 'the chosen decision fails risk above its threshold');
    assert.ok(Number(rows.find((r) => r.gate === 'risk').distance) < 0, 'a failing risk gate shows a negative distance');
    const cf = h.counterfactuals.find((c) => c.gate === 'risk');
    const riskRow = rows.find((r) => r.gate === 'risk');
    assert.ok(riskRow.cf.startsWith(`${cf.input} ${cf.relation} ${Number(cf.required.toPrecision(4))}`), riskRow.cf);
    await page.screenshot({ path: join(SHOTS, 'console.png') });
    const box = await page.locator('#decision-view').boundingBox();
    assert.ok(box.x + box.width <= 1400, 'the view fits the 1400 px window');

    // An id that is no decision's.
    await page.fill('#f-id', 'no-such-decision');
    await page.click('#f-find');
    await page.waitForSelector('#dv-missing');
  } finally {
    await close(page);
  }
});

test('pending overrides show who signed, who has not, and a command that signs', async () => {
  // A halted proposal, analysed, with an override the risk lead has signed.
  const risky = context(3);
  const p = await call('POST', '/v1/proposals', 'proposer', { context: risky });
  await call('POST', `/v1/proposals/${p.proposal_id}/submit`, 'proposer', {});
  await call('POST', `/v1/proposals/${p.proposal_id}/analyze`, 'analyst', {});
  const o = await call('POST', '/v1/overrides', 'proposer',
    { proposal_id: p.proposal_id, justification: 'incident 7 hotfix', ttl_seconds: 3600 });
  const riskSig = aegis('override', 'sign', '--key', join(dir, 'risk.key'), '--hash', o.message_hash);
  await call('POST', `/v1/overrides/${o.override_id}/signatures`, 'risk', { role: 'risk_lead', signature: riskSig.signature });

  const page = await open('&view=overrides');
  try {
    const listed = await get('/v1/overrides?state=open');
    const cards = await page.$$eval('#overrides .override', (cs) => cs.map((c) => c.dataset.overrideId));
    assert.deepEqual(cards, listed.overrides.map((x) => x.override_id));
    const card = page.locator(`.override[data-override-id="${o.override_id}"]`);
    assert.equal(await card.getAttribute('data-state'), 'partial');
    assert.deepEqual(await card.locator('.signatures-present li').evaluateAll((ls) => ls.map((l) => l.dataset.role)), ['risk_lead']);
    assert.deepEqual(await card.locator('.missing-signature').evaluateAll((ms) => ms.map((m) => m.dataset.role)), ['security_lead']);
    const command = await card.locator('.missing-signature .sign-command').textContent();
    assert.equal(command, `aegis override sign --key security_lead.key --hash ${o.message_hash}`);
    assert.ok((await card.locator('.post-command').textContent()).includes(`${base}/v1/overrides/${o.override_id}/signatures`));

    // The command as shown, with the custodian's key file, signs the override.
    const args = command.split(' ').slice(1).map((a) => (a === 'security_lead.key' ? join(dir, 'sec.key') : a));
    const secSig = JSON.parse(execFileSync(AEGIS, args, { encoding: 'utf8' }));
    await call('POST', `/v1/overrides/${o.override_id}/signatures`, 'sec', { role: 'security_lead', signature: secSig.signature });
    await page.screenshot({ path: join(SHOTS, 'console-overrides.png') });
    await reloaded(page, () => page.selectOption('#o-state', 'approved'));
    const approved = page.locator(`.override[data-override-id="${o.override_id}"]`);
    assert.equal(await approved.getAttribute('data-state'), 'approved');
    assert.equal(await approved.locator('.signatures-present li').count(), 2);
    assert.equal(await approved.locator('.missing-signature').count(), 0);
    await reloaded(page, () => page.selectOption('#o-state', 'open'));
    assert.equal(await page.locator(`.override[data-override-id="${o.override_id}"]`).count(), 0);
  } finally {
    await close(page);
  }
});

test('the approvals view shows the held call as the policy shows it, and approves or denies it', async () => {
  const ask = (tool, args) => call('POST', '/v1/tool-calls/decide', 'agent', { upstream: 'fs', tool, arguments: args });
  const write = await ask('write_file', { path: '/srv/shared/release-notes.md', content: 'the-secret-body-93b1' });
  assert.equal(write.allow, false);
  const del = await ask('delete_file', { path: '/srv/shared/customers.db' });
  assert.equal(del.status, 'escalate');
  const page = await open('&view=approvals', key('approver'));
  try {
    const listed = await call('GET', '/v1/approvals?state=pending', 'approver');
    const cards = await page.$$eval('#approvals .approval', (cs) => cs.map((c) => c.dataset.approvalId));
    assert.deepEqual(cards, listed.approvals.map((a) => a.id));
    const card = page.locator(`.approval[data-approval-id="${write.approval.id}"]`);
    assert.match(await card.locator('.approval-tool').textContent(), /fs · write_file/);
    const text = await card.textContent();
    assert.match(text, /desktop-agent/);
    assert.match(text, /\/srv\/shared\/release-notes\.md/);
    assert.ok(!text.includes('the-secret-body-93b1'), 'an argument the policy does not name is shown');
    assert.match(text, /1 more approver/);
    const esc = page.locator(`.approval[data-approval-id="${del.approval.id}"]`);
    assert.match(await esc.textContent(), /2 more approvers, or one with role security_lead/);
    assert.ok(await esc.locator('.counterfactuals li').count() >= 1, 'what would pass is shown');
    await page.screenshot({ path: join(SHOTS, 'console-approvals.png') });

    await card.locator('input.reason').fill('release notes are public');
    await reloaded(page, () => card.locator('button.approve').click());
    const after = await call('GET', `/v1/approvals/${write.approval.id}`, 'approver');
    assert.equal(after.state, 'approved');
    assert.deepEqual(after.approvals.map((v) => [v.actor, v.reason]), [['human-1', 'release notes are public']]);
    assert.equal(await page.locator(`.approval[data-approval-id="${write.approval.id}"]`).count(), 0);
    await reloaded(page, () => esc.locator('button.deny').click());
    assert.equal((await call('GET', `/v1/approvals/${del.approval.id}`, 'approver')).state, 'denied');
    // The approved call is allowed once; the denied one is not.
    assert.equal((await ask('write_file', { path: '/srv/shared/release-notes.md', content: 'the-secret-body-93b1' })).allow, true);
    assert.equal((await ask('delete_file', { path: '/srv/shared/customers.db' })).allow, false);
  } finally {
    await close(page);
  }
});

test('a held rollout shows its controller, canary, hook and revision; approving it opens the gate', async () => {
  const ask = async () => {
    const r = await fetch(base + '/v1/integrations/flagger/confirm-promotion', {
      method: 'POST', body: JSON.stringify({ name: 'podinfo', namespace: 'shop',
        phase: 'WaitingPromotion', checksum: '7d9f8c6b5' }),
      headers: { Authorization: `Bearer ${key('flagger')}`, 'Content-Type': 'application/json' },
    });
    return { status: r.status, body: await r.json() };
  };
  const held = await ask();
  assert.equal(held.status, 403, JSON.stringify(held.body));
  assert.equal(held.body.decision, 'PAUSE');
  const page = await open('&view=approvals', key('approver'));
  try {
    const card = page.locator(`.approval[data-approval-id="${held.body.approval.id}"]`);
    assert.equal(await card.locator('.approval-tool').textContent(),
      'flagger · shop/podinfo · confirm-promotion');
    const text = await card.textContent();
    assert.match(text, /7d9f8c6b5/);
    assert.match(text, new RegExp(held.body.decision_id));
    assert.match(text, /requested by\s*flagger/);
    await card.locator('input.reason').fill('canary reviewed');
    await reloaded(page, () => card.locator('button.approve').click());
  } finally {
    await close(page);
  }
  const opened = await ask();
  assert.equal(opened.status, 200);
  assert.equal(opened.body.released, true);
  assert.equal(opened.body.decision_id, held.body.decision_id);
  // The decision is in the decisions table under the rollout's name, with its revision.
  const list = await open('&view=decisions&agent_id=flagger/shop/podinfo');
  try {
    const row = list.locator(`#decisions tr[data-decision-id="${held.body.decision_id}"]`);
    const cells = await row.locator('td').allTextContents();
    assert.deepEqual(cells.slice(2, 5), ['pause', 'flagger/shop/podinfo', '7d9f8c6b5']);
  } finally {
    await close(list);
  }
});

test('proposals are listed by state, each with its history', async () => {
  const made = [];
  for (let i = 0; i < 3; i++) made.push(await call('POST', '/v1/proposals', 'proposer', { context: context(0) }));
  await call('POST', `/v1/proposals/${made[1].proposal_id}/submit`, 'proposer', {});
  await call('POST', `/v1/proposals/${made[2].proposal_id}/submit`, 'proposer', {});
  await call('POST', `/v1/proposals/${made[2].proposal_id}/analyze`, 'analyst', {});
  const page = await open('&view=proposals');
  try {
    const all = await get('/v1/proposals');
    assert.deepEqual(await page.$$eval('#proposals tbody tr', (rs) => rs.map((r) => r.dataset.proposalId)),
      all.proposals.map((x) => x.proposal_id));
    await reloaded(page, () => page.selectOption('#p-state', 'submitted'));
    const submitted = await get('/v1/proposals?state=submitted');
    const shown = await page.$$eval('#proposals tbody tr', (rs) => rs.map((r) => r.dataset.proposalId));
    assert.deepEqual(shown, submitted.proposals.map((x) => x.proposal_id));
    assert.ok(shown.includes(made[1].proposal_id) && !shown.includes(made[2].proposal_id));
    await reloaded(page, () => page.selectOption('#p-state', ''));
    const analysed = all.proposals.find((x) => x.proposal_id === made[2].proposal_id);
    await page.click(`#proposals tr[data-proposal-id="${made[2].proposal_id}"]`);
    await page.waitForSelector('#pv-history li');
    assert.equal(await page.textContent('#pv-state'), analysed.state);
    assert.deepEqual(await page.$$eval('#pv-history li', (ls) => ls.map((l) => l.dataset.to)),
      analysed.history.map((t) => t.to));
  } finally {
    await close(page);
  }
});

test('drift over time is drawn against its thresholds', async () => {
  const page = await open('&view=drift');
  try {
    const h = await get('/v1/drift/history');
    assert.equal(h.points.length, 3);
    const points = await page.$$eval('#drift-history circle.point',
      (cs) => cs.map((c) => [Number(c.dataset.kl), c.dataset.status]));
    assert.equal(points.length, h.points.length);
    points.forEach(([kl, status], i) => {
      assert.ok(Math.abs(kl - h.points[i].kl_divergence) <= 1e-9 * Math.max(1, kl));
      assert.equal(status, h.points[i].status);
    });
    assert.equal(h.points[2].status, 'critical');
    const taus = await page.$$eval('#drift-history line.threshold', (ls) => ls.map((l) => Number(l.dataset.tau)));
    assert.deepEqual(taus, [h.tau_warning, h.tau_critical]);
    // The critical point is drawn above the critical line, the first (normal) one below the warning line.
    const cy = await page.$$eval('#drift-history circle.point', (cs) => cs.map((c) => Number(c.getAttribute('cy'))));
    const ly = await page.$$eval('#drift-history line.threshold', (ls) => ls.map((l) => Number(l.getAttribute('y1'))));
    assert.ok(cy[2] < ly[1] && cy[0] > ly[0], `${cy} vs ${ly}`);
    assert.equal(await page.locator('#drift-points tbody tr').count(), 3);
    const now = await get('/v1/drift');
    assert.match(await page.textContent('#drift-now'), new RegExp(`\\(${now.status}\\)`));
    await page.screenshot({ path: join(SHOTS, 'console-drift.png') });
    await assertDrawn(page.locator('#drift-history svg'), 'drift-history', 0.01);
  } finally {
    await close(page);
  }
});

test('text from decisions, proposals and overrides is shown as text, never as markup', async () => {
  const markup = '<img src="x" id="injected" onerror="window.injected=1"><b>bold</b>';
  const [made] = await call('POST', '/v1/evaluate/batch', 'proposer',
    [{ ...context(3), agent_id: markup, session_id: `${markup}&amp;` }]);
  const p = await call('POST', '/v1/proposals', 'proposer',
    { context: { ...context(3), proposal_summary: markup } });
  await call('POST', `/v1/proposals/${p.proposal_id}/submit`, 'proposer', { reason: markup });
  await call('POST', `/v1/proposals/${p.proposal_id}/analyze`, 'analyst', {});
  const o = await call('POST', '/v1/overrides', 'proposer',
    { proposal_id: p.proposal_id, justification: markup, ttl_seconds: 3600 });
  const page = await open(`&view=decisions&agent_id=${encodeURIComponent(markup)}`);
  try {
    assert.deepEqual(await rowIds(page), [made.decision_id]);
    assert.equal(await page.textContent('#decisions tbody td:nth-child(4)'), markup);
    assert.equal(await page.textContent('#decisions tbody td:nth-child(5)'), `${markup}&amp;`);
    await page.click(`#decisions tr[data-decision-id="${made.decision_id}"]`);
    await page.waitForSelector('#dv-agent');
    assert.equal(await page.textContent('#dv-agent'), markup);
    await reloaded(page, () => page.click('#tabs [data-view="overrides"]'));
    const card = page.locator(`.override[data-override-id="${o.override_id}"]`);
    assert.ok((await card.textContent()).includes(markup));
    await reloaded(page, () => page.click('#tabs [data-view="proposals"]'));
    await page.click(`#proposals tr[data-proposal-id="${p.proposal_id}"]`);
    await page.waitForSelector('#pv-history li');
    assert.equal(await page.textContent(`#proposals tr[data-proposal-id="${p.proposal_id}"] td:nth-child(6)`), markup);
    assert.ok((await page.textContent('#pv-history')).includes(markup));
    assert.equal(await page.locator('#injected, main b:has-text("bold")').count(), 0, 'no element was made from the text');
    assert.equal(await page.evaluate(() => window.injected), undefined);
  } finally {
    await close(page);
  }
});

test('a refused key shows the key form, not data', async () => {
  const page = await open('', 'wrong');
  try {
    await page.waitForSelector('#login:not([hidden])');
    assert.match(await page.textContent('#state'), /refused \(HTTP 401\)/);
    assert.equal(await page.locator('#recent').count(), 0);
    await page.fill('#key', key('analyst'));
    await page.click('#login button');
    await page.waitForSelector('body[data-loaded="true"]');
    assert.match(await page.textContent('#summary'), /^500 decisions/);
    // Chromium logs each refused request; nothing else may go wrong.
    page.errors = page.errors.filter((e) => !/status of 401 \(Unauthorized\)/.test(e));
  } finally {
    await close(page);
  }
});
