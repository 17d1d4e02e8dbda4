// @elastic/mockotlpserver (npm) as a reference OTLP/HTTP receiver, over http/protobuf, then
// http/json:
//   1. the live exporter: `agentrace demo` runs with OTEL_TRACES_EXPORTER=otlp pointed at the
//      server; every span of the JSON Lines trace the demo wrote must arrive (name, trace id, span
//      id, parent span id equal), once each, and nothing else;
//   2. `agentrace send` pushes a recorded trace (the committed demo trace) to it, with the same
//      check.
// The server runs in this process on a free port (httpPort 0), HTTP only; its onTrace callback
// receives each decoded request. The agentrace processes run asynchronously, since the server
// answers from this process's event loop.
//
//   node mockotlpserver_check.mjs <agentrace executable> <trace.jsonl to send> <cache dir>
//
// The package is installed into <cache dir> once and reused. Without npm, the registry or node's
// modules, the check prints SKIP and exits 77 (CTest's SKIP_RETURN_CODE).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const SKIP = 77;
const version = '0.10.0';
const runTimeoutMs = 60_000;  // per agentrace process; the demo and send take well under a second
const skip = (why) => { console.log(`SKIP: ${why}`); process.exit(SKIP); };
const fail = (why) => { console.error(`FAIL: ${why}`); process.exit(1); };

const [cli, traceFile, cacheDir] = process.argv.slice(2).map((a) => (a ? path.resolve(a) : a));
if (!cli || !traceFile || !cacheDir) fail('usage: mockotlpserver_check.mjs <agentrace> <trace.jsonl> <cache dir>');
if (!existsSync(cli)) fail(`${cli} does not exist (build the agentrace_cli target)`);

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

// The spans of an agentrace JSON Lines file, as {name, trace, span, parent}.
const readTrace = (file) => {
  const spans = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let s;
    try {
      s = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not valid JSON (${e.message})`);
    }
    spans.push({ name: s.name, trace: s.trace_id, span: s.span_id, parent: s.parent_span_id ?? '' });
  });
  if (spans.length === 0) throw new Error(`${file} has no spans`);
  return spans;
};

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
const baseUrl = new URL(server.httpUrl).origin;  // httpUrl is a URL: http://127.0.0.1:<port>/
const endpoint = `${baseUrl}/v1/traces`;
console.log(`mockotlpserver ${version} listening at ${baseUrl}`);

// The environment of every agentrace process: none of the caller's OpenTelemetry or agentrace
// tracing settings (a TRACES_ENDPOINT, gzip, a sampler, OTEL_SDK_DISABLED, AGENTRACE_TRACES=off
// would each change what is sent), plus `extra`.
const childEnv = (extra) => {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('OTEL_') && k !== 'AGENTRACE_TRACES' && k !== 'AGENTRACE_TRACE_DIR') env[k] = v;
  }
  return { ...env, ...extra };
};

// Runs agentrace without blocking the event loop; resolves {ok, code, stdout, stderr}.
const run = (args, env) => new Promise((resolve) => {
  execFile(cli, args, { env, timeout: runTimeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
    (error, stdout, stderr) => {
      const code = error ? (error.killed ? `killed after ${runTimeoutMs} ms` : `exit ${error.code ?? error.signal}`) : 'exit 0';
      resolve({ ok: !error, code, stdout, stderr });
    });
});

const show = (s) => `${s.name} (trace ${s.trace}, span ${s.span}, parent ${s.parent || 'none'})`;

// Every expected span arrived exactly once with its name, trace id and parent; nothing else
// arrived. Returns the problems, one line each (empty: delivered).
const compare = (expected, got) => {
  const problems = [];
  const byId = new Map();
  for (const s of got) {
    const id = `${s.trace}/${s.span}`;
    if (!byId.has(id)) byId.set(id, []);
    byId.get(id).push(s);
  }
  const missing = [];
  for (const want of expected) {
    const id = `${want.trace}/${want.span}`;
    const copies = byId.get(id) ?? [];
    byId.delete(id);
    if (copies.length === 0) {
      missing.push(want);
      continue;
    }
    if (copies.length > 1) problems.push(`arrived ${copies.length} times: ${show(want)}`);
    for (const c of copies) {
      if (c.name !== want.name || c.parent !== want.parent) problems.push(`arrived as ${show(c)}, written as ${show(want)}`);
    }
  }
  if (missing.length) {
    problems.push(`${missing.length} of ${expected.length} span(s) never arrived:`);
    for (const s of missing) problems.push(`  missing: ${show(s)}`);
  }
  const extra = [...byId.values()].flat();
  const traces = new Set(expected.map((s) => s.trace));
  for (const s of extra) {
    problems.push(`${traces.has(s.trace) ? 'extra span of the trace' : 'span of another trace'}: ${show(s)}`);
  }
  return problems;
};

let failures = 0;
const report = (what, expected, problems) => {
  if (problems.length) {
    console.error(`${what}: FAILED\n  ${problems.join('\n  ')}`);
    failures++;
  } else {
    console.log(`${what}: all ${expected.length} span(s) arrived once, with their names, ids and parents`);
  }
};

const sendExpected = readTrace(traceFile);
const protocols = ['http/protobuf', 'http/json'];
// No gzip here: mockotlpserver 0.10.0 does not inflate request bodies (gzip is covered by
// tests/otlp/otlp_exporter_test.cpp against the project's own receiver).
for (const protocol of protocols) {
  // 1. The live exporter: the demo, its Runner's default tracing also exporting to the server.
  {
    const what = `agentrace demo, OTEL_TRACES_EXPORTER=otlp, ${protocol}`;
    const traceDir = mkdtempSync(path.join(os.tmpdir(), 'agentrace-mockotlp-'));
    received = [];
    const env = childEnv({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: baseUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_TIMEOUT: '10000',
    });
    const r = await run(['demo', '--quiet', '--no-color', '--trace-dir', traceDir], env);
    let problems = [];
    let expected = [];
    if (!r.ok) {
      problems.push(`the demo failed (${r.code}):\n${r.stdout}${r.stderr}`);
    } else {
      // The trace file the demo names in its "trace:" line, the only trace file in the directory.
      const named = /^trace:\s+(.+\.jsonl)\s*$/m.exec(r.stdout)?.[1];
      const files = readdirSync(traceDir).filter((f) => f.endsWith('.jsonl'));
      if (!named) {
        problems.push(`the demo's output names no trace file:\n${r.stdout}`);
      } else if (files.length !== 1 || path.resolve(named) !== path.join(traceDir, files[0])) {
        problems.push(`expected exactly ${named} in ${traceDir}, found: ${files.join(', ') || 'no .jsonl file'}`);
      } else {
        try {
          expected = readTrace(named);
          problems = compare(expected, received);
        } catch (e) {
          problems.push(e.message);
        }
      }
      // The exporter logs a warning for every failed export: there must be none.
      if (/OTLP (export|collector)/.test(r.stderr)) problems.push(`the exporter reported a failure:\n${r.stderr}`);
    }
    report(what, expected, problems);
    if (problems.length) {
      console.error(`  (trace directory kept: ${traceDir})`);
    } else {
      rmSync(traceDir, { recursive: true, force: true });
    }
  }

  // 2. `agentrace send` of a recorded trace, through the same exporter.
  {
    const what = `agentrace send ${path.basename(traceFile)}, ${protocol}`;
    received = [];
    const r = await run(['send', traceFile, '--endpoint', endpoint, '--timeout', '5000', '--protocol', protocol], childEnv({}));
    if (r.ok) process.stdout.write(r.stdout);
    report(what, sendExpected, r.ok ? compare(sendExpected, received) : [`agentrace send failed (${r.code}):\n${r.stdout}${r.stderr}`]);
  }
}
await server.close();
if (failures) fail(`${failures} of ${protocols.length * 2} run(s) did not deliver their trace (details above)`);
console.log('PASS');
process.exit(0);
