// Shared by the node tests: a free loopback port, and waiting until a server listens on it.
import { createServer, connect } from 'node:net';

export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not listen on ${port}`);
}

// Debian's Prometheus server on a free loopback port, scraping `metrics()` (Prometheus' text
// format, served here) every second, its data in `dir`; resolves once it has scraped the text
// once, to {base, stop}. `stop` ends the server by its pid.
export async function prometheusScraping(dir, metrics) {
  const { createServer: createHttp } = await import('node:http');
  const { writeFileSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const exporter = createHttp((req, res) => res.end(metrics()));
  await new Promise((r) => exporter.listen(0, '127.0.0.1', r));
  const port = await freePort();
  writeFileSync(`${dir}/prometheus.yml`,
    'global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: app\n' +
    `    static_configs: [{targets: ['127.0.0.1:${exporter.address().port}']}]\n`);
  const proc = spawn('/usr/bin/prometheus', [`--config.file=${dir}/prometheus.yml`,
    `--storage.tsdb.path=${dir}/tsdb`, `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=error'], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => { proc.kill('SIGTERM'); exporter.close(); };
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`${base}/api/v1/query?query=up`);
      const body = await r.json();
      if (body.data && body.data.result.some((s) => s.value[1] === '1')) return { base, stop };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  stop();
  throw new Error('prometheus did not scrape the exporter');
}
