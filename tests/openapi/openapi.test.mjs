// /openapi.json of `aegis serve`, checked by an independent OpenAPI 3.1 validator
// (@seriousme/openapi-schema-validator): the document is valid and every $ref resolves inside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Validator } from '@seriousme/openapi-schema-validator';
import { freePort, waitForPort } from '../common/net.mjs';

test('the served OpenAPI document is valid and its references resolve', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-openapi-'));
  writeFileSync(join(dir, 'c.yaml'), 'server:\n  api_keys: []\n');
  const port = await freePort();
  const proc = spawn(process.env.AEGIS_BIN, ['serve', '--listen', `127.0.0.1:${port}`, '-c',
    join(dir, 'c.yaml'), '--db', `sqlite:${join(dir, 'd.db')}`], { stdio: 'ignore' });
  try {
    await waitForPort(port);
    const doc = await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json();
    // Every $ref of the document points inside it (read before resolveRefs replaces them).
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]*"/g) ?? [];
    assert.ok(refs.length > 50, `${refs.length} references`);
    for (const r of refs) assert.match(r, /"\$ref":"#\//, r);
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
    assert.equal(validator.version, '3.1');
    const resolved = validator.resolveRefs();  // throws on a reference that does not resolve
    const evaluate = resolved.paths['/v1/evaluate'].post;
    const decision = evaluate.responses['200'].content['application/json'].schema;
    assert.ok(decision.properties.status, 'the decision schema is reachable through its $ref');
  } finally {
    proc.kill('SIGTERM');
  }
});
