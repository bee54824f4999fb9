// Held tool calls and the approvals that release them, through `aegis gateway` in front of the
// real server-filesystem, driven by the official TypeScript SDK client. An approval releases
// exactly its call, once: every other case is checked by the upstream's side effect — the file
// was never written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  AEGIS, SOURCE, approvals, connect, connectHttp, filesystemDirs, held, text,
} from './harness.mjs';

const EXAMPLE = readFileSync(join(SOURCE, 'examples', 'gateway', 'filesystem.yaml'), 'utf8');
const GATEWAY = EXAMPLE.slice(EXAMPLE.indexOf('gateway:\n'));

// The example policy with an approvals: section; beside it, approvers.yaml names the approvers
// (the gateway's principal among them, to show that it still cannot approve its own call).
function policy(root, name, approvalsYaml) {
  const path = join(root, name);
  writeFileSync(path, `approvals:\n${approvalsYaml}\n${GATEWAY}`);
  writeFileSync(join(root, 'approvers.yaml'), `approvals:\n${approvalsYaml}\nrbac:\n  actors: ` +
    '{alice: approver, bob: approver, desktop-agent: approver, sec: security_lead}\n');
  return path;
}

function answer(db, config, action, id, actor) {
  try {
    execFileSync(AEGIS, ['approvals', action, id, '--db', `sqlite:${db}`, '-c',
      join(dirname(config), 'approvers.yaml'), '--actor', actor], { stdio: ['ignore', 'pipe', 'pipe'] });
    return null;
  } catch (e) {
    return JSON.parse(e.stdout.toString()).error;
  }
}

// The states approval `id` went through, as the audit chain recorded them.
function chainStates(db, id) {
  return execFileSync(AEGIS, ['audit', 'export', '--db', `sqlite:${db}`]).toString().trim().split('\n')
    .map((l) => JSON.parse(l)).filter((e) => e.kind === 'object.approval')
    .map((e) => (typeof e.body === 'string' ? JSON.parse(e.body) : e.body).state)
    .filter((s) => s.id === id).map((s) => s.state);
}

// `aegis serve` on `root`'s store with the example policy, `approvalsYaml` and an API key per
// actor ({actor: role}); `keys[actor]` is its key. Stop it with `stop()`.
async function serving(root, env, actors, approvalsYaml = '') {
  const { freePort, waitForPort } = await import('../common/net.mjs');
  const { createHash } = await import('node:crypto');
  const keys = {};
  const lines = Object.entries(actors).map(([actor, role]) => {
    keys[actor] = `aegis_${createHash('sha256').update(actor).digest('hex')}`;
    return `    - {actor_id: ${actor}, role: ${role}, key_sha256: "${createHash('sha256').update(keys[actor]).digest('hex')}"}`;
  });
  const config = join(root, 'serve.yaml');
  writeFileSync(config, `server:\n  api_keys:\n${lines.join('\n')}\n` +
    (approvalsYaml ? `approvals:\n${approvalsYaml}\n` : '') + GATEWAY);
  const port = await freePort();
  const db = join(root, 'serve.db');
  const serve = spawn(AEGIS, ['serve', '-c', config, '--db', `sqlite:${db}`, '--listen', `127.0.0.1:${port}`],
    { env: { ...process.env, ...env }, stdio: 'ignore' });
  await waitForPort(port);
  return { url: `http://127.0.0.1:${port}`, db, keys, auth: (actor) => ({ Authorization: `Bearer ${keys[actor]}` }),
    stop: () => serve.kill() };
}

const write = (path, content) => ({ name: 'fs__write_file', arguments: { path, content } });

test('an approval releases exactly its call, once; nothing else is released', async () => {
  const { root, env } = filesystemDirs();
  const db = join(root, 'gw.db');
  const config = policy(root, 'a.yaml', '  hold_timeout_seconds: 0.4');
  const { client } = await connect(config, db, { env });
  try {
    const target = join(env.SHARED, 'plan.txt');
    const first = await client.callTool(write(target, 'v1'));
    assert.equal(first.isError, true);
    const id = first._meta['aegis/decision'].approval_id;
    assert.match(text(first), new RegExp(`held for approval ${id.replace('.', '\\.')}; it was not called`));
    assert.equal(existsSync(target), false);

    // The requester cannot approve its own call; an actor without the permission cannot either.
    assert.equal(answer(db, config, 'approve', id, 'desktop-agent').detail, 'approval.self_approval');
    assert.equal(answer(db, config, 'approve', id, 'mallory').detail, 'rbac.denied');
    assert.equal((await client.callTool(write(target, 'v1'))).isError, true);
    assert.equal(existsSync(target), false, 'a self-approved call ran');

    assert.equal(answer(db, config, 'approve', id, 'alice'), null);
    // Other arguments, another tool on the same path: not released, not run.
    assert.equal((await client.callTool(write(target, 'v2'))).isError, true);
    assert.equal(existsSync(target), false, 'other arguments were released');
    const other = await client.callTool({ name: 'fs__create_directory', arguments: { path: target } });
    assert.equal(other.isError, true);
    assert.equal(existsSync(target), false, 'another tool was released');
    // The approved call runs, once.
    const ok = await client.callTool(write(target, 'v1'));
    assert.equal(ok.isError, undefined, text(ok));
    assert.equal(readFileSync(target, 'utf8'), 'v1');
    rmSync(target);
    const replay = await client.callTool(write(target, 'v1'));
    assert.equal(replay.isError, true);
    assert.notEqual(replay._meta['aegis/decision'].approval_id, id, 'a replay asks anew');
    assert.equal(existsSync(target), false, 'a used approval was replayed');

    // Every step is in the chain, and it verifies.
    assert.deepEqual([...new Set(chainStates(db, id))], ['pending', 'approved', 'consumed']);
    execFileSync(AEGIS, ['audit', 'verify', '--db', `sqlite:${db}`]);
  } finally {
    await client.close();
  }
});

test('another config or an expired approval releases nothing; a denial answers the held call', async () => {
  const { root, env } = filesystemDirs();
  const db = join(root, 'gw.db');
  const config = policy(root, 'a.yaml', '  hold_timeout_seconds: 0.3\n  ttl_seconds: 5');
  const target = join(env.SHARED, 'cfg.txt');
  let { client } = await connect(config, db, { env });
  const id = (await client.callTool(write(target, 'x')))._meta['aegis/decision'].approval_id;
  assert.equal(answer(db, config, 'approve', id, 'bob'), null);
  await client.close();
  // The same call under another config (one more argument recorded): its digest differs.
  const changed = policy(root, 'b.yaml', '  hold_timeout_seconds: 0.3\n  ttl_seconds: 5');
  writeFileSync(changed, readFileSync(changed, 'utf8').replace('record: [path, source, destination]', 'record: [path, source, destination, content]'));
  ({ client } = await connect(changed, db, { env }));
  assert.equal((await client.callTool(write(target, 'x'))).isError, true);
  assert.equal(existsSync(target), false, 'an approval crossed configs');
  await client.close();
  // Under the first config again, once the approval's ttl has passed: expired, not run.
  const expiresAt = approvals(db, 'show', id).expires_at_ms;
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 300));
  ({ client } = await connect(config, db, { env }));
  try {
    const retried = await client.callTool(write(target, 'x'));
    assert.equal(retried.isError, true);
    assert.equal(existsSync(target), false, 'an expired approval released its call');
    assert.deepEqual(chainStates(db, id), ['pending', 'approved', 'expired']);
    assert.equal(retried._meta['aegis/decision'].approval_id, id.replace(/\.1$/, '.2'));
    // A denial ends the wait at once.
    const pending = client.callTool(write(join(env.SHARED, 'd.txt'), 'x'));
    const req = await held(db);
    assert.equal(answer(db, config, 'deny', req.id, 'alice'), null);
    assert.match(text(await pending), /was denied by alice/);
  } finally {
    await client.close();
  }
});

test('a held call waits: identical calls join, progress is sent only when asked for, approval releases one', async () => {
  const { root, env } = filesystemDirs();
  const db = join(root, 'gw.db');
  const config = policy(root, 'a.yaml', '  hold_timeout_seconds: 30');
  const { client } = await connect(config, db, { env });
  try {
    const target = join(env.SHARED, 'joined.txt');
    const progress = [];
    const a = client.callTool(write(target, 'j'), undefined, { onprogress: (p) => progress.push(p) });
    const req = await held(db);
    const b = client.callTool(write(target, 'j'));  // no progressToken
    for (let i = 0; i < 200 && approvals(db, 'show', req.id).joined < 1; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(approvals(db, 'show', req.id).joined, 1, 'the identical call did not join');
    while (progress.length < 1) await new Promise((r) => setTimeout(r, 50));
    assert.match(progress[0].message, new RegExp(`held for approval ${req.id.replace('.', '\\.')}`));
    assert.equal(answer(db, config, 'approve', req.id, 'alice'), null);
    const [ra, rb] = await Promise.all([a, b]);
    const results = [ra, rb];
    assert.equal(results.filter((r) => r.isError === undefined).length, 1, 'one approval released two calls');
    assert.match(text(results.find((r) => r.isError)), /was used by an identical call/);
    assert.equal(readFileSync(target, 'utf8'), 'j');
  } finally {
    await client.close();
  }
});

test('after kill -9 between the hold and the approval, the retried call runs exactly once', async () => {
  const { root, env } = filesystemDirs();
  const db = join(root, 'gw.db');
  const config = policy(root, 'a.yaml', '  hold_timeout_seconds: 30');
  const target = join(env.SHARED, 'restart.txt');
  const gw = spawn(AEGIS, ['gateway', '-c', config, '--db', `sqlite:${db}`],
    { env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', ...env }, stdio: ['pipe', 'pipe', 'ignore'] });
  const send = (m) => gw.stdin.write(`${JSON.stringify(m)}\n`);
  let out = '';
  gw.stdout.on('data', (d) => { out += d.toString(); });
  const answered = async (id) => {
    while (!out.split('\n').some((l) => l.startsWith('{') && JSON.parse(l).id === id)) await new Promise((r) => setTimeout(r, 20));
  };
  send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  await answered(1);
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  await answered(2);
  send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: write(target, 'once') });
  const req = await held(db);
  gw.kill('SIGKILL');
  await new Promise((r) => gw.on('exit', r));
  assert.equal(answer(db, config, 'approve', req.id, 'bob'), null);
  const { client } = await connect(config, db, { env });
  try {
    const ok = await client.callTool(write(target, 'once'));
    assert.equal(ok.isError, undefined, text(ok));
    assert.equal(readFileSync(target, 'utf8'), 'once');
    rmSync(target);
    const again = client.callTool(write(target, 'once'));
    const next = await held(db);
    assert.notEqual(next.id, req.id);
    assert.equal(answer(db, config, 'deny', next.id, 'alice'), null);
    assert.equal((await again).isError, true);
    assert.equal(existsSync(target), false, 'the approved call ran twice');
  } finally {
    await client.close();
  }
});

test('the person at the client may approve a PAUSE through elicitation, never an ESCALATE', async () => {
  const { root, env } = filesystemDirs();
  const db = join(root, 'gw.db');
  // An ESCALATE: a high-impact write into the shared directory that fails the risk gate.
  const escalate = '  rules:\n    - name: escalate-secrets\n      upstream: fs\n      tools: [write_file]\n' +
    '      when:\n        - {arg: path, regex: "secret"}\n' +
    '      context: {estimated_impact: high, risk_proposed: 0.95}\n      record: [path]\n';
  const config = policy(root, 'a.yaml', '  hold_timeout_seconds: 60\n  elicitation: true');
  writeFileSync(config, readFileSync(config, 'utf8').replace('  rules:\n', escalate));
  const asked = [];
  let reply = { action: 'accept', content: { approve: true } };
  const { client } = await connect(config, db, {
    env,
    capabilities: { elicitation: {} },
    setup: (c) => c.setRequestHandler(ElicitRequestSchema, (r) => { asked.push(r.params); return reply; }),
  });
  try {
    const target = join(env.SHARED, 'elicited.txt');
    const ok = await client.callTool(write(target, 'yes'));
    assert.equal(ok.isError, undefined, text(ok));
    assert.equal(readFileSync(target, 'utf8'), 'yes');
    assert.match(asked[0].message, /Approve this exact call\?/);
    assert.equal(asked[0].requestedSchema.properties.approve.type, 'boolean');

    reply = { action: 'decline' };
    const no = join(env.SHARED, 'declined.txt');
    assert.match(text(await client.callTool(write(no, 'no'))), /was denied by client:desktop-agent/);
    assert.equal(existsSync(no), false);

    // An ESCALATE is held without asking the client; it needs two approvers, or a security lead.
    const before = asked.length;
    const secret = join(env.SHARED, 'secret.txt');
    const esc = client.callTool(write(secret, 'x'));
    const req = await held(db);
    assert.equal(req.status, 'escalate');
    assert.equal(answer(db, config, 'approve', req.id, 'alice'), null);
    assert.equal(approvals(db, 'show', req.id).state, 'pending');
    assert.equal(existsSync(secret), false, 'one approver released an ESCALATE');
    assert.equal(answer(db, config, 'approve', req.id, 'sec'), null);
    const released = await esc;
    assert.equal(released.isError, undefined, text(released));
    assert.equal(readFileSync(secret, 'utf8'), 'x');
    assert.equal(asked.length, before, 'an ESCALATE was offered to the client');
  } finally {
    await client.close();
  }
});

test('another principal: an approval for one API key\'s call releases nothing for another key', async () => {
  const { root, env } = filesystemDirs();
  const { url, keys, auth, stop } = await serving(root, env,
    { 'agent-7': 'proposer', 'agent-8': 'proposer', alice: 'approver' }, '  hold_timeout_seconds: 0.3');
  try {
    const seven = await connectHttp(`${url}/gateway/mcp`, auth('agent-7'));
    const eight = await connectHttp(`${url}/gateway/mcp`, auth('agent-8'));
    const target = join(env.SHARED, 'p.txt');
    const id = (await seven.callTool(write(target, 'p')))._meta['aegis/decision'].approval_id;
    const list = await (await fetch(`${url}/v1/approvals?state=pending`, { headers: auth('alice') })).json();
    assert.equal(list.approvals[0].action.principal, 'agent-7');
    const denied = await fetch(`${url}/v1/approvals/${id}/approve`, { method: 'POST', headers: auth('agent-8') });
    assert.equal(denied.status, 403);
    // The approvers' command answers through the server as the key's actor.
    const approved = JSON.parse(execFileSync(AEGIS, ['approvals', 'approve', id, '--url', url, '--reason', 'ok'],
      { env: { ...process.env, AEGIS_API_KEY: keys.alice } }).toString());
    assert.equal(approved.state, 'approved');
    assert.deepEqual(approved.approvals.map((v) => [v.actor, v.via, v.reason]), [['alice', 'api', 'ok']]);
    assert.equal((await eight.callTool(write(target, 'p'))).isError, true);
    assert.equal(existsSync(target), false, 'another principal\'s call was released');
    assert.equal((await seven.callTool(write(target, 'p'))).isError, undefined);
    assert.equal(readFileSync(target, 'utf8'), 'p');
    const shown = JSON.parse(execFileSync(AEGIS, ['approvals', 'show', id, '--url', url],
      { env: { ...process.env, AEGIS_API_KEY: keys.alice } }).toString());
    assert.equal(shown.state, 'consumed');
    await seven.close();
    await eight.close();
  } finally {
    stop();
  }
});

test('other gateways ask: POST /v1/tool-calls/decide and Docker MCP Gateway\'s interceptor, with the same approvals', async () => {
  const { root, env } = filesystemDirs();
  const { url, keys, stop } = await serving(root, env, { docker: 'proposer', alice: 'approver' });
  try {
    const decide = async (body) => (await fetch(`${url}/v1/tool-calls/decide`, {
      method: 'POST', headers: { Authorization: `Bearer ${keys.docker}` }, body: JSON.stringify(body) })).json();
    const call = (path, content) => ({ upstream: 'fs', tool: 'write_file', arguments: { path, content } });
    const ws = await decide(call(join(env.WORKSPACE, 'a.txt'), 'x'));
    assert.equal(ws.allow, true);
    assert.equal(ws.status, 'proceed');
    const shared = call(join(env.SHARED, 'a.txt'), 'x');
    const held1 = await decide(shared);
    assert.equal(held1.allow, false);
    assert.equal(held1.approval.state, 'pending');
    assert.equal(held1.approval.action.principal, 'docker');
    const approve = await fetch(`${url}/v1/approvals/${held1.approval.id}/approve`, {
      method: 'POST', headers: { Authorization: `Bearer ${keys.alice}` } });
    assert.equal(approve.status, 200);
    assert.equal((await decide({ ...shared, arguments: { ...shared.arguments, content: 'y' } })).allow, false);
    const released = await decide(shared);
    assert.equal(released.allow, true);
    assert.equal(released.approval.state, 'consumed');
    assert.equal((await decide(shared)).allow, false, 'an approval was used twice');
    // An integer beyond 2^53 cannot be bound exactly by the digest: such a call is never held.
    const big = await fetch(`${url}/v1/tool-calls/decide`, { method: 'POST', headers: { Authorization: `Bearer ${keys.docker}` },
      body: `{"upstream":"fs","tool":"write_file","arguments":{"path":"${join(env.SHARED, 'n.txt')}","content":"x","n":9007199254740993}}` });
    assert.notEqual(big.status, 200);
    assert.equal((await big.json()).error.detail, 'gateway.policy');
    // A stated principal is the caller's agent: bound as "docker/alice", and alice cannot approve
    // what is asked for her.
    const forAlice = await decide({ ...call(join(env.SHARED, 'b.txt'), 'x'), principal: 'alice' });
    assert.equal(forAlice.approval.action.principal, 'docker/alice');
    assert.equal(forAlice.approval.agent, 'alice');
    const self = await fetch(`${url}/v1/approvals/${forAlice.approval.id}/approve`, {
      method: 'POST', headers: { Authorization: `Bearer ${keys.alice}` } });
    assert.equal(self.status, 403);
    assert.equal((await self.json()).error.detail, 'approval.self_approval');

    // Docker MCP Gateway (docker/mcp-gateway pkg/interceptors): POST of the SDK's request object
    // with no headers of its own; the key in the URL's user info arrives as Basic credentials.
    // An empty answer lets it call the tool; any other answer is the tool's result.
    const basic = `Basic ${Buffer.from(`aegis:${keys.docker}`).toString('base64')}`;
    const docker = (body, query = 'upstream=fs') => fetch(`${url}/v1/integrations/docker-mcp?${query}`,
      { method: 'POST', headers: { Authorization: basic }, body: JSON.stringify(body) });
    const sdkShape = (path, content) => ({ Session: {}, Params: { name: 'write_file', arguments: { path, content } }, Extra: null });
    const go = await docker(sdkShape(join(env.WORKSPACE, 'b.txt'), 'x'));
    assert.equal(go.status, 200);
    assert.equal(await go.text(), '');
    const halt = await (await docker(sdkShape(join(env.DENIED, 'k.txt'), 'x'))).json();
    assert.equal(halt.isError, true);
    assert.match(halt.content[0].text, /AEGIS: write_file was not called: the decision is halt/);
    const later = { method: 'tools/call', params: { name: 'write_file', arguments: { path: join(env.SHARED, 'd.txt'), content: 'z' } } };
    const wait = await (await docker(later)).json();
    assert.match(wait.content[0].text, /Held for approval apr-/);
    const id = wait._meta['aegis/decision'].approval.id;
    await fetch(`${url}/v1/approvals/${id}/approve`, { method: 'POST', headers: { Authorization: `Bearer ${keys.alice}` } });
    assert.equal(await (await docker(later)).text(), '');
    // Without upstream, or without a key, nothing is decided.
    assert.equal((await docker(later, '')).status, 400);
    assert.equal((await fetch(`${url}/v1/integrations/docker-mcp?upstream=fs`, { method: 'POST', body: '{}' })).status, 401);
  } finally {
    stop();
  }
});

test('over Streamable HTTP a held call is a server-sent stream: its progress while held, then its result', async () => {
  const { root, env } = filesystemDirs();
  const { url, db, keys, stop } = await serving(root, env, { 'agent-7': 'proposer', alice: 'approver' },
    '  hold_timeout_seconds: 30');
  try {
    const client = await connectHttp(`${url}/gateway/mcp`, { Authorization: `Bearer ${keys['agent-7']}` });
    const target = join(env.SHARED, 'sse.txt');
    const progress = [];
    const call = client.callTool(write(target, 'streamed'), undefined, { onprogress: (p) => progress.push(p) });
    const req = await held(db);
    while (progress.length < 1) await new Promise((r) => setTimeout(r, 50));
    assert.match(progress[0].message, /held for approval apr-/);
    assert.equal(existsSync(target), false);
    const ok = await fetch(`${url}/v1/approvals/${req.id}/approve`, { method: 'POST', headers: { Authorization: `Bearer ${keys.alice}` } });
    assert.equal(ok.status, 200);
    const result = await call;
    assert.equal(result.isError, undefined, text(result));
    assert.equal(readFileSync(target, 'utf8'), 'streamed');
    // A raw look at the wire: the answer to a tools/call is text/event-stream.
    const raw = await fetch(`${url}/gateway/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${keys['agent-7']}`, 'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream', 'Mcp-Session-Id': client.transport.sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: write(join(env.WORKSPACE, 'w.txt'), 'x') }),
    });
    assert.match(raw.headers.get('content-type'), /^text\/event-stream/);
    const body = await raw.text();
    assert.match(body, /^event: message\ndata: \{.*"id":99.*\}\n\n$/s);
    await client.close();
  } finally {
    stop();
  }
});
