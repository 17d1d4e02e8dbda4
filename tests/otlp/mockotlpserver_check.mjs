// @elastic/mockotlpserver (npm) as a reference OTLP/HTTP receiver: `agentrace send` pushes a
// recorded trace to it over http/protobuf, then http/json, and every span must arrive
// with its name, ids and parent. The server runs in this process on a free port (httpPort 0),
// HTTP only; its onTrace callback receives each decoded request.
//
//   node mockotlpserver_check.mjs <agentrace executable> <trace.jsonl> <cache dir>
//
// The package is installed into <cache dir> once and reused. Without npm, the registry or node's
// modules, the check prints SKIP and exits 77 (CTest's SKIP_RETURN_CODE).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

const SKIP = 77;
const version = '0.10.0';
const skip = (why) => { console.log(`SKIP: ${why}`); process.exit(SKIP); };
const fail = (why) => { console.error(`FAIL: ${why}`); process.exit(1); };

const [cli, traceFile, cacheDir] = process.argv.slice(2).map((a) => (a ? path.resolve(a) : a));
if (!cli || !traceFile || !cacheDir) fail('usage: mockotlpserver_check.mjs <agentrace> <trace.jsonl> <cache dir>');

mkdirSync(cacheDir, { recursive: true });
const manifest = path.join(cacheDir, 'node_modules', '@elastic', 'mockotlpserver', 'package.json');
if (!existsSync(manifest) || JSON.parse(readFileSync(manifest, 'utf8')).version !== version) {
  try {
    execFileSync('npm', ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', '--loglevel=error',
      `@elastic/mockotlpserver@${version}`], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  } catch (e) {
    skip(`cannot install @elastic/mockotlpserver@${version} with npm (${e.code ?? e.status ?? e.message})`);
  }
}
const require = createRequire(path.join(cacheDir, 'package.json'));
let MockOtlpServer;
try {
  ({ MockOtlpServer } = require('@elastic/mockotlpserver'));
} catch (e) {
  skip(`cannot load @elastic/mockotlpserver (${e.message})`);
}

const hex = (id) => {
  if (id == null) return '';
  if (typeof id === 'string') return id.toLowerCase();
  return Buffer.from(id).toString('hex');  // protobuf bytes arrive as Buffer / Uint8Array
};

const expected = readFileSync(traceFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
  .map((s) => ({ name: s.name, trace: s.trace_id, span: s.span_id, parent: s.parent_span_id ?? '' }));
if (expected.length === 0) fail(`${traceFile} has no spans`);

let received = [];
const server = new MockOtlpServer({
  services: ['http'],
  httpHostname: '127.0.0.1',
  httpPort: 0,
  logLevel: 'warn',
  onTrace: (request) => {
    for (const rs of request.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          received.push({ name: s.name, trace: hex(s.traceId), span: hex(s.spanId), parent: hex(s.parentSpanId) });
        }
      }
    }
  },
});
await server.start();
const endpoint = new URL('v1/traces', server.httpUrl).toString();
console.log(`mockotlpserver ${version} listening at ${server.httpUrl}`);

const key = (s) => `${s.trace}/${s.span}/${s.parent}/${s.name}`;
const run = promisify(execFile);
let failures = 0;
// No --gzip here: mockotlpserver 0.10.0 does not inflate request bodies (gzip is covered by
// tests/otlp/otlp_exporter_test.cpp against the project's own receiver).
for (const args of [['--protocol', 'http/protobuf'], ['--protocol', 'http/json']]) {
  received = [];
  try {
    // Asynchronously: the server answers from this process's event loop.
    const { stdout } = await run(cli, ['send', traceFile, '--endpoint', endpoint, '--timeout', '5000', ...args]);
    process.stdout.write(stdout);
  } catch (e) {
    console.error(`agentrace send ${args.join(' ')} failed (exit ${e.code}):\n${e.stdout}${e.stderr}`);
    failures++;
    continue;
  }
  const want = expected.map(key).sort();
  const got = received.map(key).sort();
  if (JSON.stringify(want) !== JSON.stringify(got)) {
    console.error(`${args.join(' ')}: expected\n  ${want.join('\n  ')}\nreceived\n  ${got.join('\n  ')}`);
    failures++;
  } else {
    console.log(`${args.join(' ')}: ${got.length} span(s) arrived with their names, ids and parents`);
  }
}
await server.close();
if (failures) fail(`${failures} run(s) did not deliver the trace`);
console.log('PASS');
process.exit(0);
