// What the gateway tests share: the paths of aegis and of the reference servers, temporary
// directories, SDK clients of the gateway (stdio and Streamable HTTP), and the approvers' command.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const AEGIS = process.env.AEGIS_BIN;
export const HERE = dirname(fileURLToPath(import.meta.url));
export const SOURCE = join(HERE, '..', '..');
export const MODULES = join(HERE, 'node_modules', '@modelcontextprotocol');
export const FILESYSTEM = join(MODULES, 'server-filesystem', 'dist', 'index.js');
export const MEMORY = join(MODULES, 'server-memory', 'dist', 'index.js');
export const EVERYTHING = join(MODULES, 'server-everything', 'dist', 'index.js');

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'aegis-gateway-'));
}

// The filesystem's three directories, and the environment the example policy reads.
export function filesystemDirs() {
  const root = tempDir();
  const dirs = { WORKSPACE: join(root, 'ws'), SHARED: join(root, 'shared') };
  dirs.DENIED = join(dirs.WORKSPACE, 'private');  // reachable by the server: only AEGIS stops it
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return { root, env: { ...dirs, FILESYSTEM_SERVER: FILESYSTEM } };
}

// A client of `aegis gateway -c config` (its stderr kept in `log`).
export async function connect(config, db, { env = {}, capabilities = {}, setup } = {}) {
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

export function text(result) {
  return result.content.map((c) => c.text ?? '').join('\n');
}

export function exportChain(db) {
  return execFileSync(AEGIS, ['audit', 'export', '--db', `sqlite:${db}`]).toString()
    .trim().split('\n').map((l) => JSON.parse(l));
}

// A client of the gateway over Streamable HTTP at `url`, with `headers` on each request.
export async function connectHttp(url, headers = {}) {
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new Client({ name: 'gateway-http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}


// `aegis approvals ARGS --db sqlite:DB`, its JSON answer.
export function approvals(db, ...args) {
  return JSON.parse(execFileSync(AEGIS, ['approvals', ...args, '--db', `sqlite:${db}`]).toString());
}

// The newest pending approval in `db`, once a held call has asked for it.
export async function held(db, { after = new Set() } = {}) {
  for (let i = 0; i < 400; i++) {
    const pending = approvals(db, 'list', '--state', 'pending').approvals.filter((a) => !after.has(`${a.id}#${a.joined}`));
    if (pending.length) return pending[0];
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no approval became pending in ${db}`);
}
