// make bench: the same `tools/call` (server-everything's echo) directly and through
// `aegis gateway` (durable SQLite store), over stdio with 64 requests in flight on one session,
// interleaved; and this disk's fdatasync p50/p99 in the same run. JSON on stdout.
// Usage: node bench_gateway.mjs AEGIS_BIN WORK_DIR
import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

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

mkdirSync(work, { recursive: true });
const config = join(work, 'bench-gateway.yaml');
writeFileSync(config, `gateway:\n  upstreams:\n    - {name: everything, command: node, args: ["${EVERYTHING}", "stdio"], inherit_env: [PATH]}\n` +
  '  rules:\n    - {name: echo, upstream: everything, tools: [echo], context: {estimated_impact: low}}\n');
const db = join(work, 'bench-gateway.db');
const direct = [];
const gateway = [];
const sync = [];
for (let round = 0; round < ROUNDS; round++) {
  sync.push(fdatasyncLatency(work));
  direct.push(await run('node', [EVERYTHING, 'stdio'], 'echo'));
  rmSync(db, { force: true });
  gateway.push(await run(aegis, ['gateway', '-c', config, '--db', `sqlite:${db}`], 'everything__echo'));
}
rmSync(db, { force: true });
rmSync(`${db}-wal`, { force: true });
rmSync(`${db}-shm`, { force: true });
const median = (xs, key) => [...xs].map((x) => x[key]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pick = (xs) => ({ p50_ms: median(xs, 'p50_ms'), p99_ms: median(xs, 'p99_ms'), calls_per_s: median(xs, 'calls_per_s') });
console.log(JSON.stringify({
  in_flight: IN_FLIGHT, calls: CALLS, rounds: ROUNDS,
  fdatasync: { p50_ms: median(sync, 'p50_ms'), p99_ms: median(sync, 'p99_ms') },
  direct: pick(direct), gateway: pick(gateway), runs: { direct, gateway, sync },
}));
