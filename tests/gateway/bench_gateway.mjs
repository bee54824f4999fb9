// make bench: the same `tools/call` (server-everything's echo) directly and through
// `aegis gateway` (durable SQLite store), interleaved: over stdio with 64 requests in flight on one
// session, and over Streamable HTTP with 64 concurrent clients (each a session); and this disk's
// fdatasync p50/p99 in the same run. JSON on stdout.
// Usage: node bench_gateway.mjs AEGIS_BIN WORK_DIR
import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { freePort, waitForPort } from '../common/net.mjs';

const [aegis, work] = process.argv.slice(2);
const HERE = dirname(fileURLToPath(import.meta.url));
const EVERYTHING = join(HERE, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const IN_FLIGHT = 64;
const CALLS = 6000;
const ROUNDS = 3;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function summary(latencies, seconds) {
  const s = [...latencies].sort((a, b) => a - b);
  return { p50_ms: percentile(s, 0.5), p99_ms: percentile(s, 0.99), calls_per_s: latencies.length / seconds };
}

// fdatasync after each 256-byte append, on the disk the store is on.
function fdatasyncLatency(dir, n = 2000) {
  const path = join(dir, 'fdatasync.bin');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(256, 7);
  const ms = [];
  for (let i = 0; i < n; i++) {
    writeSync(fd, block);
    const t = process.hrtime.bigint();
    fdatasyncSync(fd);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  closeSync(fd);
  rmSync(path);
  const s = ms.sort((a, b) => a - b);
  return { p50_ms: percentile(s, 0.5), p99_ms: percentile(s, 0.99) };
}

async function run(command, args, name) {
  const transport = new StdioClientTransport({ command, args, env: { PATH: process.env.PATH }, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  const call = async () => {
    const t = process.hrtime.bigint();
    const r = await client.callTool({ name, arguments: { message: 'bench' } });
    if (r.isError) throw new Error(JSON.stringify(r));
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = 0; i < 500; i++) await call();  // warm up
  const latencies = [];
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next++ < CALLS) latencies.push(await call());
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await client.close();
  return summary(latencies, seconds);
}

// 64 clients, each with a session of its own, calling `name` at `url` until CALLS are done.
async function runHttp(url, name) {
  const clients = await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  }));
  const call = async (client) => {
    const t = process.hrtime.bigint();
    const r = await client.callTool({ name, arguments: { message: 'bench' } });
    if (r.isError) throw new Error(JSON.stringify(r));
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (const c of clients) for (let i = 0; i < 10; i++) await call(c);  // warm up
  const latencies = [];
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(clients.map(async (c) => {
    while (next++ < CALLS) latencies.push(await call(c));
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all(clients.map((c) => c.close()));
  return summary(latencies, seconds);
}

// A server listening on a free port until it is killed.
async function listening(command, args, env = {}) {
  const port = await freePort();
  const child = spawn(command, args(port), { env: { PATH: process.env.PATH, ...env, PORT: String(port) }, stdio: 'ignore' });
  await waitForPort(port);
  return { port, child };
}

mkdirSync(work, { recursive: true });
const config = join(work, 'bench-gateway.yaml');
writeFileSync(config, `gateway:\n  upstreams:\n    - {name: everything, command: node, args: ["${EVERYTHING}", "stdio"], inherit_env: [PATH]}\n` +
  '  rules:\n    - {name: echo, upstream: everything, tools: [echo], context: {estimated_impact: low}}\n');
const db = join(work, 'bench-gateway.db');
const freshDb = () => { for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true }); };
const direct = [];
const gateway = [];
const sync = [];
for (let round = 0; round < ROUNDS; round++) {
  sync.push(fdatasyncLatency(work));
  direct.push(await run('node', [EVERYTHING, 'stdio'], 'echo'));
  freshDb();
  gateway.push(await run(aegis, ['gateway', '-c', config, '--db', `sqlite:${db}`], 'everything__echo'));
}
const everything = await listening('node', () => [EVERYTHING, 'streamableHttp']);
const httpConfig = join(work, 'bench-gateway-http.yaml');
writeFileSync(httpConfig, `gateway:\n  upstreams:\n    - {name: everything, url: "http://127.0.0.1:${everything.port}/mcp"}\n` +
  '  rules:\n    - {name: echo, upstream: everything, tools: [echo], context: {estimated_impact: low}}\n');
const directHttp = [];
const gatewayHttp = [];
for (let round = 0; round < ROUNDS; round++) {
  directHttp.push(await runHttp(`http://127.0.0.1:${everything.port}/mcp`, 'echo'));
  freshDb();
  const gw = await listening(aegis, (port) => ['gateway', '-c', httpConfig, '--db', `sqlite:${db}`, '--listen', `127.0.0.1:${port}`]);
  gatewayHttp.push(await runHttp(`http://127.0.0.1:${gw.port}/mcp`, 'everything__echo'));
  gw.child.kill();
  await new Promise((r) => gw.child.on('exit', r));
}
everything.child.kill();
freshDb();
const median = (xs, key) => [...xs].map((x) => x[key]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pick = (xs) => ({ p50_ms: median(xs, 'p50_ms'), p99_ms: median(xs, 'p99_ms'), calls_per_s: median(xs, 'calls_per_s') });
console.log(JSON.stringify({
  in_flight: IN_FLIGHT, calls: CALLS, rounds: ROUNDS,
  fdatasync: { p50_ms: median(sync, 'p50_ms'), p99_ms: median(sync, 'p99_ms') },
  direct: pick(direct), gateway: pick(gateway),
  direct_http: pick(directHttp), gateway_http: pick(gatewayHttp),
  runs: { direct, gateway, sync, directHttp, gatewayHttp },
}));
