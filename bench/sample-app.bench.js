// sample_app_otel_overhead_ratio: requests per second of the sample app with telemetry off, over the
// same with OpenTelemetry on (traces and metrics exported over OTLP/HTTP to a local sink that accepts
// and discards), same closed-loop load (GET /api/products, 20 at a time, 3 rounds each, interleaved).
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

exports.measure = function measure() {
  const script = `
    const http = require('node:http');
    const { startSampleApp } = require(${JSON.stringify(path.join(root, 'out', 'test', 'examples', 'sample-app-process.js'))});
    async function load(url, total, concurrency) {
      let sent = 0;
      const start = process.hrtime.bigint();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (sent < total) { sent++; const r = await fetch(url + '/api/products?category=books'); await r.arrayBuffer(); }
      }));
      return total / (Number(process.hrtime.bigint() - start) / 1e9);
    }
    (async () => {
      const sink = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200); res.end(); }); });
      await new Promise((r) => sink.listen(0, '127.0.0.1', r));
      const off = await startSampleApp();
      const on = await startSampleApp({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:' + sink.address().port });
      await load(off.url, 1000, 20); await load(on.url, 1000, 20);
      const ratios = [], offRps = [];
      for (let i = 0; i < 5; i++) {
        const first = i % 2 ? on : off, second = i % 2 ? off : on;
        const a = await load(first.url, 3000, 20), b = await load(second.url, 3000, 20);
        const [o, t] = i % 2 ? [b, a] : [a, b];
        ratios.push(o / t); offRps.push(o);
      }
      await off.stop(); await on.stop(); sink.close();
      const median = (v) => [...v].sort((a, b) => a - b)[2];
      console.log(JSON.stringify({ ratio: median(ratios), off: median(offRps) }));
    })();`;
  const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop());
  return {
    sample_app_otel_overhead_ratio: { value: Number(r.ratio.toFixed(2)), unit: 'ratio', better: 'lower', goal: 1.25 },
    sample_app_rps_telemetry_off: { value: Math.round(r.off), unit: 'requests/s', better: 'higher' },
  };
};
