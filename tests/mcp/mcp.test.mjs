// `aegis mcp` driven by the official MCP TypeScript SDK client over stdio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { freePort, waitForPort } from '../common/net.mjs';

const AEGIS = process.env.AEGIS_BIN;
const TOOLS = [
  'aegis_check_thresholds', 'aegis_crypto_status', 'aegis_evaluate_proposal',
  'aegis_get_decision', 'aegis_get_scoring_guide', 'aegis_list_decisions',
  'aegis_quick_risk_check', 'aegis_what_if',
];

async function connect(args) {
  const transport = new StdioClientTransport({ command: AEGIS, args: ['mcp', ...args], stderr: 'pipe' });
  const client = new Client({ name: 'aegis-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'aegis-mcp-'));
}

test('initialize, list the tools and call each one', async () => {
  const dir = tempDir();
  const client = await connect(['--db', `sqlite:${join(dir, 'mcp.db')}`]);
  try {
    assert.equal(client.getServerVersion().name, 'aegis-governance');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.ok(t.description.length > 10, t.name);
    }

    const halt = await client.callTool({ name: 'aegis_evaluate_proposal', arguments: { risk_proposed: 0.3 } });
    assert.equal(halt.isError, undefined);
    assert.equal(halt.structuredContent.status, 'halt');
    assert.deepEqual(halt.structuredContent.failing_gates, ['risk', 'novelty']);
    assert.match(halt.content[0].text, /^HALT: 2 gates failed/);

    const proceed = await client.callTool({
      name: 'aegis_evaluate_proposal',
      arguments: { estimated_impact: 'low', risk_baseline: 0.2, risk_proposed: 0.2, novelty_score: 0.8,
        complexity_score: 0.8, quality_score: 0.8, proposal_summary: 'read-only query' },
    });
    assert.equal(proceed.structuredContent.status, 'proceed');

    // Newest first unless asked otherwise; filtered as GET /v1/decisions is.
    const newest = await client.callTool({ name: 'aegis_list_decisions', arguments: { limit: 1 } });
    assert.equal(newest.structuredContent.decisions[0].decision_id, proceed.structuredContent.decision_id);
    const listed = await client.callTool({ name: 'aegis_list_decisions', arguments: { limit: 1, order: 'asc' } });
    assert.equal(listed.structuredContent.decisions.length, 1);
    assert.equal(listed.structuredContent.decisions[0].decision_id, halt.structuredContent.decision_id);
    const page2 = await client.callTool({
      name: 'aegis_list_decisions',
      arguments: { limit: 1, order: 'asc', cursor: listed.structuredContent.next_cursor },
    });
    assert.equal(page2.structuredContent.decisions[0].decision_id, proceed.structuredContent.decision_id);
    const halts = await client.callTool({ name: 'aegis_list_decisions', arguments: { status: 'halt' } });
    assert.deepEqual(halts.structuredContent.decisions.map((d) => d.decision_id),
      [halt.structuredContent.decision_id]);
    const badOrder = await client.callTool({ name: 'aegis_list_decisions', arguments: { order: 'newest' } });
    assert.equal(badOrder.isError, true);

    const got = await client.callTool({
      name: 'aegis_get_decision', arguments: { decision_id: proceed.structuredContent.decision_id },
    });
    assert.equal(got.structuredContent.status, 'proceed');
    const missing = await client.callTool({ name: 'aegis_get_decision', arguments: { decision_id: 'nope' } });
    assert.equal(missing.isError, true);

    // The HALT's counterfactuals say what would pass; a what-if with them passes every gate
    // (a PAUSE: at the risk gate's boundary the risk posterior still asks for a human).
    const flips = Object.fromEntries(halt.structuredContent.counterfactuals
      .filter((c) => c.achievable).map((c) => [c.input, c.required]));
    assert.deepEqual(Object.keys(flips).sort(), ['novelty_score', 'risk_proposed']);
    const whatIf = await client.callTool({
      name: 'aegis_what_if',
      arguments: { context: { risk_proposed: 0.3, estimated_impact: 'low' }, changes: flips },
    });
    assert.equal(whatIf.isError, undefined);
    assert.equal(whatIf.structuredContent.decision.gates_failed, 0);
    assert.deepEqual(whatIf.structuredContent.diff.status, { from: 'halt', to: 'pause' });
    assert.deepEqual(whatIf.structuredContent.diff.gates.risk.passed, { from: false, to: true });
    assert.equal(whatIf.structuredContent.recorded, false);
    const stillTwo = await client.callTool({ name: 'aegis_list_decisions', arguments: { limit: 10 } });
    assert.equal(stillTwo.structuredContent.decisions.length, 2);
    const badChange = await client.callTool({
      name: 'aegis_what_if', arguments: { context: {}, changes: { risk_proposed: 7 } },
    });
    assert.equal(badChange.isError, true);
    assert.match(badChange.content[0].text, /risk_proposed/);

    const quick = await client.callTool({
      name: 'aegis_quick_risk_check', arguments: { action_description: 'update config', risk_score: 0.1 },
    });
    assert.deepEqual(quick.structuredContent, { safe: true, risk_score: 0.1, threshold: 0.5 });

    const thresholds = await client.callTool({ name: 'aegis_check_thresholds', arguments: {} });
    assert.equal(thresholds.structuredContent.parameters.complexity_floor, 0.5);
    assert.equal(thresholds.structuredContent.config_hash.length, 64);

    const guide = await client.callTool({ name: 'aegis_get_scoring_guide', arguments: { domain: 'cicd' } });
    assert.match(guide.structuredContent.guide, /change-failure rate/);
    const badDomain = await client.callTool({ name: 'aegis_get_scoring_guide', arguments: { domain: 'poker' } });
    assert.equal(badDomain.isError, true);

    const crypto = await client.callTool({ name: 'aegis_crypto_status', arguments: {} });
    assert.equal(crypto.structuredContent.two_key_override, true);

    // Bad input is a tool error naming the field, never a decision and never a crash.
    const bad = await client.callTool({ name: 'aegis_evaluate_proposal', arguments: { risk_proposed: 1.5 } });
    assert.equal(bad.isError, true);
    assert.equal(bad.structuredContent.error.field, 'risk_proposed');
    const still = await client.callTool({ name: 'aegis_crypto_status', arguments: {} });
    assert.equal(still.isError, undefined);
  } finally {
    await client.close();
  }
});

test('tool calls beyond mcp_rate_limit get a tool error', async () => {
  const dir = tempDir();
  const config = join(dir, 'aegis.yaml');
  writeFileSync(config, 'mcp_rate_limit: 3\n');
  const client = await connect(['-c', config]);
  try {
    for (let i = 0; i < 3; i++) {
      const r = await client.callTool({ name: 'aegis_crypto_status', arguments: {} });
      assert.equal(r.isError, undefined, `call ${i}`);
    }
    const limited = await client.callTool({ name: 'aegis_crypto_status', arguments: {} });
    assert.equal(limited.isError, true);
    assert.match(limited.content[0].text, /rate limit/);
    await client.ping();  // the server keeps serving
  } finally {
    await client.close();
  }
});

test('an unknown tool is a protocol error', async () => {
  const client = await connect([]);
  try {
    await assert.rejects(client.callTool({ name: 'aegis_launch_missiles', arguments: {} }), /unknown tool/);
  } finally {
    await client.close();
  }
});

test('the streamable HTTP transport serves the same tools', async () => {
  const port = await freePort();
  const server = spawn(AEGIS, ['mcp', '--transport', 'http', '--port', String(port)], { stdio: 'ignore' });
  try {
    await waitForPort(port);
    const client = new Client({ name: 'aegis-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    const r = await client.callTool({ name: 'aegis_evaluate_proposal', arguments: { risk_proposed: 0.3 } });
    assert.equal(r.structuredContent.status, 'halt');
    const got = await client.callTool({
      name: 'aegis_get_decision', arguments: { decision_id: r.structuredContent.decision_id },
    });
    assert.equal(got.structuredContent.decision_id, r.structuredContent.decision_id);
    await client.close();
  } finally {
    server.kill('SIGTERM');  // by the pid we started
  }
});
