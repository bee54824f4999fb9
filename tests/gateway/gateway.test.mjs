// `aegis gateway` between the official MCP TypeScript SDK client and the reference MCP servers
// (server-filesystem, server-memory, server-everything over stdio), all from npm (package.json).
// Each test checks what the upstream did — the file written or not — not only what was answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

const AEGIS = process.env.AEGIS_BIN;
const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, '..', '..');
const MODULES = join(HERE, 'node_modules', '@modelcontextprotocol');
const FILESYSTEM = join(MODULES, 'server-filesystem', 'dist', 'index.js');
const MEMORY = join(MODULES, 'server-memory', 'dist', 'index.js');
const EVERYTHING = join(MODULES, 'server-everything', 'dist', 'index.js');

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'aegis-gateway-'));
}

// The filesystem's three directories, and the environment the example policy reads.
function filesystemDirs() {
  const root = tempDir();
  const dirs = { WORKSPACE: join(root, 'ws'), SHARED: join(root, 'shared') };
  dirs.DENIED = join(dirs.WORKSPACE, 'private');  // reachable by the server: only AEGIS stops it
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return { root, env: { ...dirs, FILESYSTEM_SERVER: FILESYSTEM } };
}

// A client of `aegis gateway -c config` (its stderr kept in `log`).
async function connect(config, db, { env = {}, capabilities = {}, setup } = {}) {
  const transport = new StdioClientTransport({
    command: AEGIS, args: ['gateway', '-c', config, '--db', `sqlite:${db}`],
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', ...env }, stderr: 'pipe',
  });
  const log = [];
  transport.stderr.on('data', (d) => log.push(d.toString()));
  const client = new Client({ name: 'gateway-test', version: '1.0.0' }, { capabilities });
  if (setup) setup(client);
  await client.connect(transport);
  return { client, log, text: () => log.join('') };
}

function text(result) {
  return result.content.map((c) => c.text ?? '').join('\n');
}

function exportChain(db) {
  return execFileSync(AEGIS, ['audit', 'export', '--db', `sqlite:${db}`]).toString()
    .trim().split('\n').map((l) => JSON.parse(l));
}

test('the example filesystem policy: reads and workspace writes go ahead, shared writes wait, denied ones halt', async () => {
  const { root, env } = filesystemDirs();
  const db = join(root, 'gw.db');
  const config = join(SOURCE, 'examples', 'gateway', 'filesystem.yaml');
  const { client, text: logText } = await connect(config, db, { env });
  const secret = 'the-content-is-a-secret-7f3a';
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'fs__write_file'));
    assert.ok(tools.every((t) => t.name.startsWith('fs__')));

    const wsFile = join(env.WORKSPACE, 'notes.txt');
    const ok = await client.callTool({ name: 'fs__write_file', arguments: { path: wsFile, content: secret } });
    assert.equal(ok.isError, undefined, text(ok));
    assert.equal(readFileSync(wsFile, 'utf8'), secret);

    const read = await client.callTool({ name: 'fs__read_text_file', arguments: { path: wsFile } });
    assert.equal(text(read), secret);

    const sharedFile = join(env.SHARED, 'plan.txt');
    const wait = await client.callTool({ name: 'fs__write_file', arguments: { path: sharedFile, content: secret } });
    assert.equal(wait.isError, true);
    assert.match(text(wait), /requires approval; it was not called/);
    assert.equal(wait._meta['aegis/decision'].status, 'pause');
    assert.equal(existsSync(sharedFile), false, 'a paused write reached the server');

    const move = await client.callTool({ name: 'fs__move_file', arguments: { source: wsFile, destination: join(env.SHARED, 'moved.txt') } });
    assert.equal(move.isError, true);
    assert.equal(existsSync(wsFile), true, 'a paused move reached the server');

    const deniedFile = join(env.DENIED, 'keys.txt');
    const halt = await client.callTool({ name: 'fs__write_file', arguments: { path: deniedFile, content: secret } });
    assert.equal(halt.isError, true);
    assert.match(text(halt), /AEGIS halted fs__write_file/);
    assert.match(text(halt), /Lower risk_proposed to at most/);  // what would pass
    const decision = halt._meta['aegis/decision'];
    assert.equal(decision.status, 'halt');
    assert.equal(decision.counterfactuals[0].input, 'risk_proposed');
    assert.equal(existsSync(deniedFile), false, 'a halted write reached the server');
    // A path that only normalises into the denied directory is caught the same way.
    const sneaky = join(env.WORKSPACE, 'x', '..', 'private', 'sneaky.txt');
    const halt2 = await client.callTool({ name: 'fs__write_file', arguments: { path: sneaky, content: secret } });
    assert.equal(halt2._meta['aegis/decision'].status, 'halt');
    assert.equal(existsSync(join(env.DENIED, 'sneaky.txt')), false);

    // The chain: each decision beside its call's record; argument values only where named.
    const chain = exportChain(db);
    const calls = chain.filter((e) => e.kind === 'gateway.call').map((e) => (typeof e.body === 'string' ? JSON.parse(e.body) : e.body));
    assert.equal(calls.length, 6);
    const haltCall = calls.find((c) => c.decision_id === decision.decision_id);
    assert.equal(haltCall.status, 'halt');
    assert.equal(haltCall.rule, 'denied-directory');
    assert.equal(haltCall.principal, 'desktop-agent');
    assert.equal(haltCall.arguments.path, deniedFile);
    assert.equal(haltCall.arguments.content, undefined);
    assert.match(haltCall.call_digest, /^[0-9a-f]{64}$/);
    assert.ok(chain.some((e) => e.kind === 'decision' && e.id === decision.decision_id));
    assert.ok(!readFileSync(db).includes(secret), 'an unnamed argument value is in the store');
    assert.ok(!logText().includes(secret), 'an argument value is in the log');
    execFileSync(AEGIS, ['audit', 'verify', '--db', `sqlite:${db}`]);
  } finally {
    await client.close();
  }
});

test('roots: server-filesystem asks the client through the gateway and takes its roots', async () => {
  const { root, env } = filesystemDirs();
  const clientRoot = join(root, 'client-root');
  mkdirSync(clientRoot);
  const { client } = await connect(join(SOURCE, 'examples', 'gateway', 'filesystem.yaml'), join(root, 'gw.db'), {
    env,
    capabilities: { roots: { listChanged: true } },
    setup: (c) => c.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: `file://${clientRoot}`, name: 'client' }],
    })),
  });
  try {
    let dirs = '';
    for (let i = 0; i < 100 && !dirs.includes(clientRoot); i++) {
      dirs = text(await client.callTool({ name: 'fs__list_allowed_directories', arguments: {} }));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(dirs, new RegExp(clientRoot));
    assert.doesNotMatch(dirs, new RegExp(env.SHARED));  // replaced by the client's roots
  } finally {
    await client.close();
  }
});
