// @copilotkit/aimock (npm) as an OpenAI-compatible and an Anthropic-compatible server no one
// here wrote, driven by the fixtures in fixtures/ (single_calls.json and demo.json), the same
// fixtures for both APIs (aimock turns a Messages API request into its chat-completions form
// before matching: `system` becomes a system message, a tool_result block a tool message with
// its tool_use_id as tool_call_id, input_schema the tool's parameters; and answers in the
// Messages API's shape: the fixture's id, model and usage, stop_reason end_turn or tool_use):
//   1. single calls, made by aimock_probe (OpenAiClient from the model string
//      openai-compatible:<url>/v1#aimock-probe, AnthropicClient from
//      anthropic-compatible:<url>#aimock-probe): a plain reply, a tool call, streamed text, a
//      streamed tool call, a 429 and a 500 (each plain and streamed), a stream cut off by the
//      server, a request no fixture matches; and, against a second aimock started with
//      AIMOCK_API_KEYS, OPENAI_API_KEY (ANTHROPIC_API_KEY) right, wrong and unset (200, 401,
//      401). Each is checked on the probe's side (the ChatResponse or the LlmError) and on the
//      server's (the request aimock's journal recorded);
//   2. a whole `agentrace demo --model openai-compatible:<url>/v1#aimock-demo` run, then the same
//      with `--model anthropic-compatible:<url>#aimock-demo`: the manager,
//      the researcher and the analyst all on aimock, the tools really running (a fixture only
//      answers when the tool result it follows holds what the real tool returns). Checks the
//      exit status; the final answer on stdout as it streams (its start and end arriving apart,
//      before the summary) and in the summary; the token totals; the span tree of the trace
//      file (every span ended, every parent present, each agent's steps with one chat span and
//      the expected tool spans, managed agents under their execute_tool span, each chat span
//      with its provider, server address and port, response id and model, usage and finish
//      reason); and the journal (every request answered by its fixture in each agent's order,
//      each carrying the traceparent of its chat span, no key sent, the manager's last request
//      a stream: with include_usage for OpenAI; for Anthropic every request to /v1/messages
//      with an anthropic-version header, max_tokens, the system prompt in `system`, tool calls
//      as tool_use and results as tool_result blocks, tools with input_schema).
// aimock's journal keeps a Messages API request in the chat-completions form it converted it
// to (messages.js, claudeToCompletionRequest), so the Anthropic wire format is read from that
// form: a system message there comes only from the top-level `system` (a system-role entry in
// `messages` is dropped), a tool message only from a tool_result block in a user message, an
// assistant tool call only from a tool_use block, function.parameters only from input_schema;
// max_tokens and stream are copied as sent.
// aimock runs as a child process on 127.0.0.1 with a port of its choosing (-p 0), -l 10 (a
// latency between SSE chunks, without which truncateAfterChunks loses even the first chunk),
// and is always killed at the end.
//
//   node aimock_check.mjs <agentrace> <aimock_probe> <fixtures dir> <cache dir>
//
// The package is installed into <cache dir> once and reused. Without npm, the registry, or a
// node recent enough for the package, the check prints SKIP and exits 77 (CTest's
// SKIP_RETURN_CODE).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SKIP = 77;
const version = '1.43.0';
const minNode = [20, 15];       // the package's engines field: node >= 20.15.0
const startTimeoutMs = 30_000;  // aimock's start, until it prints its URL
const probeTimeoutMs = 30_000;  // per probe run; each takes milliseconds
const demoTimeoutMs = 120_000;  // the demo: nine model calls, a second or two
const skip = (why) => { console.log(`SKIP: ${why}`); process.exit(SKIP); };
const fail = (why) => { console.error(`FAIL: ${why}`); process.exit(1); };

const [cli, probe, fixturesDir, cacheDir] = process.argv.slice(2).map((a) => (a ? path.resolve(a) : a));
if (!cli || !probe || !fixturesDir || !cacheDir) fail('usage: aimock_check.mjs <agentrace> <aimock_probe> <fixtures dir> <cache dir>');
for (const [what, file] of [['agentrace', cli], ['aimock_probe', probe]]) {
  if (!existsSync(file)) fail(`${file} does not exist (build the ${what === 'agentrace' ? 'agentrace_cli' : 'aimock_probe'} target)`);
}
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < minNode[0] || (major === minNode[0] && minor < minNode[1])) {
  skip(`@copilotkit/aimock@${version} needs node >= ${minNode.join('.')}.0, this is ${process.versions.node}`);
}

// --- install ---------------------------------------------------------------------------------
mkdirSync(cacheDir, { recursive: true });
const packageDir = path.join(cacheDir, 'node_modules', '@copilotkit', 'aimock');
const manifestFile = path.join(packageDir, 'package.json');
const installed = () => existsSync(manifestFile) && JSON.parse(readFileSync(manifestFile, 'utf8')).version === version;
if (!installed()) {
  try {
    execFileSync('npm', ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', '--loglevel=error',
      `@copilotkit/aimock@${version}`], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  } catch (e) {
    const why = e.code === 'ENOENT' ? 'npm not found' : e.code === 'ETIMEDOUT' ? 'npm timed out after 120 s'
      : e.status != null ? `npm exited ${e.status}` : e.message;
    skip(`cannot install @copilotkit/aimock@${version} with npm (${why})`);
  }
  if (!installed()) skip(`npm did not install @copilotkit/aimock@${version} into ${cacheDir}`);
}
// The `llmock` bin: the flag-driven server (-p, -h, -f, -l); `aimock` is the --config one.
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
const serverJs = path.join(packageDir, manifest.bin?.llmock ?? 'dist/cli.js');
if (!existsSync(serverJs)) skip(`@copilotkit/aimock@${version} has no llmock server at ${serverJs}`);

// --- the servers -----------------------------------------------------------------------------
// One without keys for everything, one started with AIMOCK_API_KEYS for the key checks (it
// answers 401 to a request without one of its keys, and its journal needs the key too).
const servers = [];
const stopServers = () => {
  for (const s of servers) {
    if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
  }
};
process.on('exit', stopServers);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => { stopServers(); process.exit(1); });
}

// Starts aimock; resolves {base, port, key, log} once it prints its URL and answers GET /ready.
const startServer = (key) => new Promise((resolve, reject) => {
  const env = { ...process.env };
  delete env.AIMOCK_API_KEYS;
  if (key) env.AIMOCK_API_KEYS = key;
  const proc = spawn(process.execPath, [serverJs, '--port', '0', '--host', '127.0.0.1', '--fixtures', fixturesDir,
    '--latency', '10', '--validate-on-load', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const s = { proc, key, log: '' };
  servers.push(s);
  const timer = setTimeout(() => reject(new Error(`aimock printed no URL within ${startTimeoutMs} ms:\n${s.log}`)), startTimeoutMs);
  const onData = (chunk) => {
    s.log += chunk.toString();
    const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(s.log);
    if (m && !s.base) {
      clearTimeout(timer);
      s.base = m[1];
      s.port = Number(m[2]);
      fetch(`${s.base}/ready`).then((r) => (r.ok ? resolve(s) : reject(new Error(`GET /ready answered ${r.status}`))), reject);
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  proc.on('error', (e) => { clearTimeout(timer); reject(e); });
  proc.on('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`aimock exited (${code ?? signal}) before it was ready:\n${s.log}`)); });
});

const apiKey = 'sk-aimock-test-7f3a9c';
let open;
let keyed;
try {
  open = await startServer(null);
  keyed = await startServer(apiKey);
} catch (e) {
  stopServers();
  fail(`cannot start aimock: ${e.message}`);
}
const { base, port } = open;
console.log(`aimock ${version} listening at ${base} (and at ${keyed.base} with AIMOCK_API_KEYS) with the fixtures of ${fixturesDir}`);

// Every chat request a server received (chat completions or messages), oldest first: {method,
// path, headers, body, response: {status, fixture}}. Header values that carry credentials
// (authorization, x-api-key) read "[REDACTED]". A Messages API body is journaled in the
// chat-completions form aimock converted it to (see above).
const chatPaths = ['/v1/chat/completions', '/v1/messages'];
const journal = async (srv = open) => {
  const r = await fetch(`${srv.base}/__aimock/journal`, { headers: srv.key ? { authorization: `Bearer ${srv.key}` } : {} });
  if (!r.ok) throw new Error(`GET /__aimock/journal answered ${r.status}`);
  return (await r.json()).filter((e) => chatPaths.includes(e.path));
};

// The two APIs: the model string's kind and base URL, the path requests go to, the key's
// variable and header, gen_ai.provider.name, and the finish reasons of a reply that calls tools
// and of one that does not.
const apis = {
  openai: {
    kind: 'openai-compatible', url: (srv) => `${srv.base}/v1`, path: '/v1/chat/completions',
    keyVar: 'OPENAI_API_KEY', keyHeader: 'authorization', otherKeyHeader: 'x-api-key', provider: 'openai',
    finish: { tools: 'tool_calls', text: 'stop' },
  },
  anthropic: {
    kind: 'anthropic-compatible', url: (srv) => srv.base, path: '/v1/messages',
    keyVar: 'ANTHROPIC_API_KEY', keyHeader: 'x-api-key', otherKeyHeader: 'authorization', provider: 'anthropic',
    finish: { tools: 'tool_use', text: 'end_turn' }, version: '2023-06-01',
  },
};

// --- helpers ---------------------------------------------------------------------------------
// The environment of every child: none of the caller's model or tracing settings.
const childEnv = (extra = {}) => {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k.startsWith('OPENAI_') || k.startsWith('ANTHROPIC_') || k.startsWith('AGENTRACE_')) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
};

// Runs a program without blocking the event loop; resolves {code, stdout, stderr}.
const run = (file, args, env, timeoutMs) => new Promise((resolve) => {
  execFile(file, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
    let code = 0;
    if (error) code = error.killed ? `killed after ${timeoutMs} ms` : (typeof error.code === 'number' ? error.code : `${error.code ?? error.signal}`);
    resolve({ code, stdout, stderr });
  });
});

// Like run, keeping when each piece of stdout arrived: events [{ms, end}], `end` being the
// length of stdout so far (to tell text printed as it streams from text printed at once).
const runWatched = (file, args, env, timeoutMs) => new Promise((resolve) => {
  const started = Date.now();
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const events = [];
  let killed = false;
  const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeoutMs);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => { stdout += d; events.push({ ms: Date.now() - started, end: stdout.length }); });
  child.stderr.on('data', (d) => { stderr += d; });
  child.on('error', (e) => { stderr += `\n${e.message}`; });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    resolve({ code: killed ? `killed after ${timeoutMs} ms` : (code ?? signal), stdout, stderr, events });
  });
});

const show = (v) => JSON.stringify(v);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
let failures = 0;
let checks = 0;
const report = (what, problems, detail = '') => {
  checks++;
  if (problems.length) {
    failures++;
    console.error(`FAILED: ${what}\n  - ${problems.join('\n  - ')}${detail ? `\n${detail}` : ''}`);
  } else {
    console.log(`ok: ${what}`);
  }
};

const fixtureFile = (name) => JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8')).fixtures;

// --- 1. single calls ---------------------------------------------------------------------------
const probeModel = 'aimock-probe';
const single = fixtureFile('single_calls.json');
const fixtureFor = (which) => single.find((f) => f.match.userMessage === `aimock probe: ${which}`)?.response;
const usageOf = (u) => ({ input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens, total_tokens: u.total_tokens });
const callsOf = (calls) => calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));

// Runs the probe for one case against one API; returns the problems (empty: all as expected).
const probeCase = async (which, mode, expect, env = {}, srv = open, api = apis.openai) => {
  const before = (await journal(srv)).length;
  const r = await run(probe, [api.url(srv), probeModel, which, mode, api.kind], childEnv(env), probeTimeoutMs);
  const problems = [];
  let out = null;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    problems.push(`aimock_probe exited ${r.code} without its JSON:\n${r.stdout}${r.stderr}`);
    return { problems, detail: '' };
  }
  const requests = (await journal(srv)).slice(before);
  const detail = `  probe (exit ${r.code}): ${r.stdout.trim().replace(/\n/g, '\n  ')}${r.stderr ? `\n  stderr: ${r.stderr.trim()}` : ''}`;

  // What every call shares: the client, the one request as aimock received it.
  if (!same(out.client?.server, { address: '127.0.0.1', port: srv.port })) {
    problems.push(`client.server() is ${show(out.client?.server)}, expected 127.0.0.1:${srv.port}`);
  }
  if (out.client?.provider !== api.provider) problems.push(`client.provider() is ${show(out.client?.provider)}, expected "${api.provider}"`);
  if ((r.stdout + r.stderr).includes(apiKey)) problems.push('the API key appears in the probe\'s output');
  if (expect.status === 401) {
    // aimock rejects a request without a valid key before its journal records it.
    if (requests.length !== 0) problems.push(`aimock journaled ${requests.length} request(s) it should have rejected with 401`);
  } else if (requests.length !== 1) {
    problems.push(`aimock received ${requests.length} chat request(s), expected 1 (the client must not retry by itself)`);
  } else {
    const req = requests[0];
    const body = req.body ?? {};
    if (req.method !== 'POST') problems.push(`request method ${req.method}, expected POST`);
    if (req.path !== api.path) problems.push(`request path ${req.path}, expected ${api.path}`);
    if (body.model !== probeModel) problems.push(`request model ${show(body.model)}, expected "${probeModel}"`);
    // For the Messages API: the system message is the top-level `system`, the tool's parameters
    // its input_schema (the forms aimock journals them in).
    const roles = (body.messages ?? []).map((m) => m.role);
    if (!same(roles, ['system', 'user'])) problems.push(`request message roles ${show(roles)}, expected ["system","user"]`);
    if (body.messages?.[1]?.content !== `aimock probe: ${which}`) problems.push(`user message ${show(body.messages?.[1]?.content)}`);
    const tool = body.tools?.[0];
    if (body.tools?.length !== 1 || tool?.type !== 'function' || tool?.function?.name !== 'get_weather' ||
        tool?.function?.parameters?.required?.[0] !== 'city' || !tool?.function?.description) {
      problems.push(`request tools ${show(body.tools)}, expected one {"type":"function","function":{"name":"get_weather",...}}`);
    }
    if (mode === 'stream') {
      if (body.stream !== true) problems.push(`streamed call sent stream=${show(body.stream)}, expected true`);
      // aimock's converted Messages API body has no stream_options (the API has none).
      if (api === apis.openai && body.stream_options?.include_usage !== true) {
        problems.push(`streamed call sent stream_options=${show(body.stream_options)}, expected {"include_usage":true}`);
      }
    } else if (body.stream === true) {
      problems.push('a plain call sent stream=true');
    }
    if (api.version !== undefined) {
      if (req.headers?.['anthropic-version'] !== api.version) {
        problems.push(`anthropic-version header ${show(req.headers?.['anthropic-version'])}, expected "${api.version}"`);
      }
      if (!Number.isInteger(body.max_tokens) || body.max_tokens <= 0) problems.push(`max_tokens ${show(body.max_tokens)}, expected a positive integer`);
    }
    // aimock's journal shows a credential as "[REDACTED]"; the keyed server's 200 proves its value.
    const auth = req.headers?.[api.keyHeader];
    if (env[api.keyVar] && auth === undefined) problems.push(`no ${api.keyHeader} header though ${api.keyVar} is set`);
    if (!env[api.keyVar] && auth !== undefined) problems.push(`${api.keyHeader} header ${show(auth)} sent without ${api.keyVar}`);
    if (req.headers?.[api.otherKeyHeader] !== undefined) problems.push(`an ${api.otherKeyHeader} header was sent (${api.keyHeader} is this API's)`);
    if (expect.status !== undefined && req.response?.status !== expect.status) {
      problems.push(`aimock answered ${req.response?.status}, expected ${expect.status}`);
    }
  }

  if (expect.response) {
    if (r.code !== 0) {
      problems.push(`aimock_probe exited ${r.code}, expected 0 with a ChatResponse`);
      return { problems, detail };
    }
    const got = out.response;
    const want = expect.response;
    const message = got?.message ?? {};
    if (message.role !== 'assistant') problems.push(`message role ${show(message.role)}`);
    if (message.content !== want.content) problems.push(`content ${show(message.content)}, expected ${show(want.content)}`);
    const gotCalls = callsOf(message.tool_calls ?? []);
    if (!same(gotCalls, want.tool_calls)) problems.push(`tool calls ${show(gotCalls)}, expected ${show(want.tool_calls)}`);
    if (got.finish_reason !== want.finish_reason) problems.push(`finish_reason ${show(got.finish_reason)}, expected "${want.finish_reason}"`);
    if (got.id !== want.id) problems.push(`id ${show(got.id)}, expected "${want.id}"`);
    if (got.model !== probeModel) problems.push(`model ${show(got.model)}, expected "${probeModel}"`);
    const usage = { input_tokens: got.usage?.input_tokens, output_tokens: got.usage?.output_tokens, total_tokens: got.usage?.total_tokens };
    if (!same(usage, want.usage)) problems.push(`usage ${show(usage)}, expected ${show(want.usage)}`);
    const streamed = out.streamed ?? [];
    if (mode === 'stream') {
      if (streamed.join('') !== want.content) problems.push(`on_text pieces join to ${show(streamed.join(''))}, expected the content`);
      if (want.content.length > 20 && streamed.length < 2) {
        problems.push(`on_text saw ${streamed.length} piece(s): aimock sent ${Math.ceil(want.content.length / 20)} chunks`);
      }
    } else if (streamed.length) {
      problems.push(`a plain call passed ${streamed.length} piece(s) to on_text`);
    }
  } else {
    if (r.code !== 1) {
      problems.push(`aimock_probe exited ${r.code}, expected 1 with an LlmError`);
      return { problems, detail };
    }
    const e = out.error ?? {};
    if (!expect.kinds.includes(e.kind)) problems.push(`error kind ${show(e.kind)}, expected ${expect.kinds.join(' or ')}`);
    if (expect.http_status !== undefined && e.status !== expect.http_status) problems.push(`error status ${show(e.status)}, expected ${expect.http_status}`);
    if (expect.retry_after_ms !== undefined && e.retry_after_ms !== expect.retry_after_ms) {
      problems.push(`retry_after ${show(e.retry_after_ms)} ms, expected ${expect.retry_after_ms} (Retry-After: ${expect.retry_after_ms / 1000})`);
    }
    for (const s of expect.message_has ?? []) {
      if (!String(e.message ?? '').includes(s)) problems.push(`error message ${show(e.message)} lacks ${show(s)}`);
    }
  }
  return { problems, detail };
};

const plain = fixtureFor('plain reply');
const toolCall = fixtureFor('tool call');
const streamedText = fixtureFor('streamed text');
const streamedTools = fixtureFor('streamed tool call');
const rateLimited = fixtureFor('rate limited');
const serverError = fixtureFor('server error');
// The finish reason is the API's own: tool_calls / stop (OpenAI), tool_use / end_turn (Anthropic).
const expectReply = (f, api) => ({
  status: 200,
  response: {
    content: f.content ?? '',
    tool_calls: (f.toolCalls ?? []).map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
    finish_reason: f.toolCalls ? api.finish.tools : api.finish.text,
    id: f.id,
    usage: usageOf(f.usage),
  },
});
const cases = (api) => [
  ['plain reply', 'plain', expectReply(plain, api)],
  ['plain reply', 'stream', expectReply(plain, api)],
  ['tool call', 'plain', expectReply(toolCall, api)],
  ['streamed text', 'stream', expectReply(streamedText, api)],
  ['streamed tool call', 'stream', expectReply(streamedTools, api)],
  ['rate limited', 'plain', { status: 429, kinds: ['rate_limited'], http_status: 429, retry_after_ms: rateLimited.retryAfter * 1000,
    message_has: [rateLimited.error.message] }],
  ['rate limited', 'stream', { status: 429, kinds: ['rate_limited'], http_status: 429, retry_after_ms: rateLimited.retryAfter * 1000,
    message_has: [rateLimited.error.message] }],
  ['server error', 'plain', { status: 500, kinds: ['server'], http_status: 500, message_has: [serverError.error.message] }],
  ['server error', 'stream', { status: 500, kinds: ['server'], http_status: 500, message_has: [serverError.error.message] }],
  // aimock ends the chunked body after a few SSE chunks: no finish_reason and no [DONE]
  // (OpenAI), no message_delta and no message_stop (Anthropic).
  ['cut stream', 'stream', { status: 200, kinds: ['malformed_response'] }],
  // aimock answers 404 {"error": {"message": "No fixture matched", ...}}.
  ['no fixture', 'plain', { status: 404, kinds: ['bad_request'], http_status: 404, message_has: ['No fixture matched'] }],
];
for (const api of Object.values(apis)) {
  for (const [which, mode, expect] of cases(api)) {
    const { problems, detail } = await probeCase(which, mode, expect, {}, open, api);
    report(`single call "${which}" (${mode}, ${api.kind})`, problems, detail);
  }
  // The key: from OPENAI_API_KEY as "Authorization: Bearer <key>" (ANTHROPIC_API_KEY as
  // "x-api-key: <key>"), which the keyed server accepts; a wrong key or none is its 401, an
  // authentication error. The key appears in no output.
  const unauthorized = { status: 401, kinds: ['authentication'], http_status: 401, message_has: ['Invalid API key'] };
  for (const [what, env, expect] of [
    ['the right key', { [api.keyVar]: apiKey }, expectReply(plain, api)],
    ['a wrong key', { [api.keyVar]: 'sk-aimock-wrong-key' }, unauthorized],
    ['no key', {}, unauthorized],
  ]) {
    for (const mode of ['plain', 'stream']) {
      const { problems, detail } = await probeCase('plain reply', mode, expect, env, keyed, api);
      report(`single call "plain reply" (${mode}, ${api.kind}) to the server with AIMOCK_API_KEYS, with ${what}`, problems, detail);
    }
  }
}

// --- 2. the demo -------------------------------------------------------------------------------
const demoModel = 'aimock-demo';
const demoFixtures = fixtureFile('demo.json');
const byId = new Map(demoFixtures.map((f) => [f.response.id, f.response]));
const finalAnswer = byId.get('chatcmpl-manager-3').content;
const expectedChats = {  // per agent, the fixture each of its model calls must get, in order
  manager: ['chatcmpl-manager-1', 'chatcmpl-manager-2', 'chatcmpl-manager-3'],
  researcher: ['chatcmpl-researcher-1', 'chatcmpl-researcher-2', 'chatcmpl-researcher-3', 'chatcmpl-researcher-4'],
  analyst: ['chatcmpl-analyst-1', 'chatcmpl-analyst-2'],
};
const expectedTools = {  // per agent and step, the tools its spans must show
  manager: [['researcher'], ['analyst'], []],
  researcher: [['search'], ['read_file'], ['remember'], []],
  analyst: [['calculator'], []],
};
const totals = demoFixtures.reduce((t, f) => ({ input: t.input + f.response.usage.prompt_tokens, output: t.output + f.response.usage.completion_tokens }),
  { input: 0, output: 0 });
// The arguments of each tool call the fixtures make, by call id; JSON with sorted keys to compare.
const canon = (v) => (Array.isArray(v) ? v.map(canon) : v && typeof v === 'object'
  ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
const callArguments = new Map(demoFixtures.flatMap((f) => (f.response.toolCalls ?? []).map((c) => [c.id, canon(c.arguments)])));
const agentOf = (id) => /^chatcmpl-(\w+)-\d+$/.exec(id ?? '')?.[1];

// One `agentrace demo --model <kind>:<url>#aimock-demo` run against the open server.
const runDemo = async (api) => {
  const modelString = `${api.kind}:${api.url(open)}#${demoModel}`;
  const what = `agentrace demo --model ${modelString}`;
  const traceDir = mkdtempSync(path.join(os.tmpdir(), 'agentrace-aimock-'));
  const before = (await journal()).length;
  const started = Date.now();
  const r = await runWatched(cli, ['demo', '--model', modelString, '--no-color', '--trace-dir', traceDir],
    childEnv(), demoTimeoutMs);
  const requests = (await journal()).slice(before);
  const problems = [];
  const output = `  exit ${r.code} after ${Date.now() - started} ms\n  stdout:\n${r.stdout}\n  stderr:\n${r.stderr}`;

  if (r.code !== 0) {
    if (/not available yet/.test(r.stderr)) problems.push('this agentrace has no `demo --model` yet ("not available yet")');
    else problems.push(`the demo exited ${r.code}, expected 0`);
  }

  // The journal: nine requests, each answered by its fixture, in each agent's order.
  const unmatched = requests.filter((q) => q.response?.status !== 200);
  for (const q of unmatched) {
    const last = q.body?.messages?.at(-1);
    problems.push(`aimock answered ${q.response?.status} to a request whose last message is ${show(last).slice(0, 300)}`);
  }
  const served = requests.map((q) => q.response?.fixture?.response?.id);
  const servedTo = { manager: [], researcher: [], analyst: [] };
  for (const id of served) {
    const agent = agentOf(id);
    if (agent in servedTo) servedTo[agent].push(id);
  }
  if (!same(servedTo, expectedChats)) problems.push(`aimock served ${show(served)}; expected per agent ${show(expectedChats)}`);
  for (const q of requests) {
    const id = q.response?.fixture?.response?.id ?? '(no fixture)';
    const body = q.body ?? {};
    if (q.path !== api.path) problems.push(`the request answered by ${id} went to ${q.path}, expected ${api.path}`);
    if (body.model !== demoModel) problems.push(`a request asked for model ${show(body.model)}, expected "${demoModel}"`);
    for (const header of ['authorization', 'x-api-key']) {
      if (q.headers?.[header] !== undefined) problems.push(`the request answered by ${id} carried ${header} though ${api.keyVar} was unset`);
    }
    // The conversation so far: the system prompt, the task, then per earlier step the
    // assistant's tool call and its result (for the Messages API: `system`, then tool_use and
    // tool_result blocks; see the top of this file for how aimock journals them).
    const agent = agentOf(id);
    const step = expectedChats[agent]?.indexOf(id) ?? -1;
    if (step < 0) continue;
    const roles = (body.messages ?? []).map((m) => m.role);
    const wantRoles = ['system', 'user', ...Array.from({ length: step }, () => ['assistant', 'tool']).flat()];
    if (!same(roles, wantRoles)) problems.push(`the request answered by ${id} has message roles ${show(roles)}, expected ${show(wantRoles)}`);
    (body.messages ?? []).forEach((m, i) => {
      if (m.role === 'assistant') {
        const calls = (m.tool_calls ?? []).map((c) => {
          let args;
          try { args = JSON.parse(c.function?.arguments); } catch { args = c.function?.arguments; }
          return { id: c.id, name: c.function?.name, arguments: canon(args) };
        });
        const prior = byId.get(expectedChats[agent][(i - 2) / 2])?.toolCalls ?? [];
        const want = prior.map((c) => ({ id: c.id, name: c.name, arguments: canon(c.arguments) }));
        if (!same(calls, want)) problems.push(`the request answered by ${id}: message ${i} carries tool calls ${show(calls)}, expected ${show(want)}`);
      } else if (m.role === 'tool') {
        const want = body.messages[i - 1]?.tool_calls?.[0]?.id;
        if (!m.tool_call_id || m.tool_call_id !== want) {
          problems.push(`the request answered by ${id}: tool result ${i} answers ${show(m.tool_call_id)}, expected "${want}"`);
        }
        if (typeof m.content !== 'string' || !m.content) problems.push(`the request answered by ${id}: tool result ${i} is empty`);
      }
    });
    const toolNames = (body.tools ?? []).map((t) => t.function?.name);
    const wantNames = expectedTools[agent].flat();
    if (!wantNames.every((n) => toolNames.includes(n))) problems.push(`the request answered by ${id} offers tools ${show(toolNames)}, lacking some of ${show(wantNames)}`);
    for (const t of body.tools ?? []) {
      if (t.function?.parameters?.type !== 'object' || !t.function?.description) {
        problems.push(`the request answered by ${id} offers tool ${show(t.function?.name)} with parameters ${show(t.function?.parameters)} (input_schema for Anthropic) and description ${show(t.function?.description)}, expected an object schema and a description`);
      }
    }
    if (api.version !== undefined) {
      if (q.headers?.['anthropic-version'] !== api.version) {
        problems.push(`the request answered by ${id} carried anthropic-version ${show(q.headers?.['anthropic-version'])}, expected "${api.version}"`);
      }
      if (!Number.isInteger(body.max_tokens) || body.max_tokens <= 0) problems.push(`the request answered by ${id} sent max_tokens ${show(body.max_tokens)}, expected a positive integer`);
    }
  }
  const finalRequest = requests.find((q) => q.response?.fixture?.response?.id === 'chatcmpl-manager-3');
  if (finalRequest && (finalRequest.body?.stream !== true || (api === apis.openai && finalRequest.body?.stream_options?.include_usage !== true))) {
    problems.push(`the manager's last request sent stream=${show(finalRequest.body?.stream)}, stream_options=${show(finalRequest.body?.stream_options)}; expected a stream${api === apis.openai ? ' with include_usage' : ''}`);
  }
  const streamedRequests = requests.filter((q) => q.body?.stream === true).map((q) => q.response?.fixture?.response?.id);

  // stdout: the manager's answer, printed as it streams (before the run's summary, its start
  // and its end arriving apart: aimock sends it in chunks of 20 characters 10 ms apart), then in
  // the summary; and the token totals.
  const first = r.stdout.indexOf(finalAnswer);
  const summary = r.stdout.indexOf('Final answer (');
  if (first < 0) {
    problems.push(`stdout lacks the manager's final answer ${show(finalAnswer.slice(0, 80))}...`);
  } else if (summary < 0 || first > summary || r.stdout.indexOf(finalAnswer, first + 1) < 0) {
    problems.push('stdout does not show the final answer twice, streamed and then after "Final answer ("');
  } else {
    const arrival = (end) => r.events.findIndex((e) => e.end >= end);
    const startEvent = arrival(first + 20);
    const endEvent = arrival(first + finalAnswer.length);
    if (startEvent === endEvent) {
      problems.push(`the final answer reached stdout in one piece (at ${r.events[endEvent]?.ms} ms), not as it streamed`);
    } else {
      console.log(`  demo (${api.kind}): the final answer's first 20 characters reached stdout at ${r.events[startEvent].ms} ms, its end at ${r.events[endEvent].ms} ms`);
    }
  }
  const tokens = /(\d+) in \/ (\d+) out tokens in total/.exec(r.stdout);
  if (!tokens || Number(tokens[1]) !== totals.input || Number(tokens[2]) !== totals.output) {
    problems.push(`stdout reports ${tokens ? `${tokens[1]} in / ${tokens[2]} out` : 'no'} tokens in total, expected ${totals.input} in / ${totals.output} out`);
  }

  // The trace file the demo names, the only one in the directory.
  const named = /^trace:\s+(.+\.jsonl)\s*$/m.exec(r.stdout)?.[1];
  const files = readdirSync(traceDir).filter((f) => f.endsWith('.jsonl'));
  let spans = [];
  if (!named) {
    problems.push('stdout names no trace file ("trace: ...")');
  } else if (files.length !== 1 || path.resolve(named) !== path.join(traceDir, files[0])) {
    problems.push(`expected exactly ${named} in ${traceDir}, found: ${files.join(', ') || 'no .jsonl file'}`);
  } else {
    try {
      spans = readFileSync(named, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    } catch (e) {
      problems.push(`${named}: ${e.message}`);
    }
  }
  if (spans.length) {
    const bySpan = new Map(spans.map((s) => [s.span_id, s]));
    const children = (s, prefix) => spans.filter((c) => c.parent_span_id === s.span_id && (!prefix || c.name.startsWith(prefix)))
      .sort((a, b) => a.start_unix_ns - b.start_unix_ns);
    const traces = new Set(spans.map((s) => s.trace_id));
    if (traces.size !== 1) problems.push(`the file holds ${traces.size} trace ids`);
    for (const s of spans) {
      if (!(s.start_unix_ns > 0) || !(s.end_unix_ns >= s.start_unix_ns)) problems.push(`span ${s.name} (${s.span_id}) has no end, or ends before it starts`);
      if (s.parent_span_id && !bySpan.has(s.parent_span_id)) problems.push(`span ${s.name} (${s.span_id}) has a parent ${s.parent_span_id} not in the trace`);
      if (s.status?.code === 'error') problems.push(`span ${s.name} has status error: ${s.status.description ?? ''}`);
    }
    const roots = spans.filter((s) => !s.parent_span_id);
    if (roots.length !== 1 || roots[0].name !== 'invoke_agent manager') {
      problems.push(`root span(s): ${show(roots.map((s) => s.name))}, expected one "invoke_agent manager"`);
    }
    const chatsById = new Map();
    // Walks an agent: its steps, each with one chat span and its tool spans, managed agents
    // nested under their execute_tool span. Returns nothing; adds problems.
    const walkAgent = (agentSpan, name, provider) => {
      const steps = children(agentSpan, 'step ');
      const wantTools = expectedTools[name];
      if (!same(steps.map((s) => s.name), wantTools.map((_, i) => `step ${i + 1}`))) {
        problems.push(`invoke_agent ${name} has steps ${show(steps.map((s) => s.name))}, expected ${wantTools.length}`);
        return;
      }
      steps.forEach((step, i) => {
        const chats = children(step, 'chat ');
        if (chats.length !== 1 || chats[0].name !== `chat ${demoModel}`) {
          problems.push(`${name} step ${i + 1} has chat spans ${show(chats.map((c) => c.name))}, expected one "chat ${demoModel}"`);
        } else {
          const chat = chats[0];
          const a = chat.attributes ?? {};
          const wantId = expectedChats[name][i];
          const f = byId.get(wantId);
          const label = `${name} step ${i + 1} chat span`;
          const expectAttr = {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': provider,
            'gen_ai.request.model': demoModel,
            'gen_ai.response.model': f.model,
            'gen_ai.response.id': wantId,
            'server.address': '127.0.0.1',
            'server.port': port,
            'gen_ai.usage.input_tokens': f.usage.prompt_tokens,
            'gen_ai.usage.output_tokens': f.usage.completion_tokens,
          };
          for (const [k, v] of Object.entries(expectAttr)) {
            if (!same(a[k], v)) problems.push(`${label}: ${k} = ${show(a[k])}, expected ${show(v)}`);
          }
          const finish = f.toolCalls ? api.finish.tools : api.finish.text;
          if (!same(a['gen_ai.response.finish_reasons'], [finish])) {
            problems.push(`${label}: gen_ai.response.finish_reasons = ${show(a['gen_ai.response.finish_reasons'])}, expected ["${finish}"]`);
          }
          if (chat.kind !== 'client') problems.push(`${label}: kind ${show(chat.kind)}, expected "client"`);
          chatsById.set(wantId, chat);
        }
        const tools = children(step, 'execute_tool ');
        const wantNames = wantTools[i].map((t) => `execute_tool ${t}`);
        if (!same(tools.map((t) => t.name), wantNames)) {
          problems.push(`${name} step ${i + 1} has tool spans ${show(tools.map((t) => t.name))}, expected ${show(wantNames)}`);
          return;
        }
        tools.forEach((tool) => {
          const toolName = tool.name.slice('execute_tool '.length);
          const callId = byId.get(expectedChats[name][i]).toolCalls?.[0]?.id;
          if (tool.attributes?.['gen_ai.tool.call.id'] !== callId) {
            problems.push(`${tool.name}: gen_ai.tool.call.id = ${show(tool.attributes?.['gen_ai.tool.call.id'])}, expected "${callId}"`);
          }
          if (expectedTools[toolName]) {
            const sub = children(tool, 'invoke_agent ');
            if (sub.length !== 1 || sub[0].name !== `invoke_agent ${toolName}`) {
              problems.push(`${tool.name} has ${show(sub.map((s) => s.name))} under it, expected "invoke_agent ${toolName}"`);
            } else {
              walkAgent(sub[0], toolName, provider);
            }
          }
        });
      });
    };
    const root = roots.find((s) => s.name === 'invoke_agent manager');
    if (root) {
      const provider = root.attributes?.['gen_ai.provider.name'];
      if (provider !== api.provider) problems.push(`invoke_agent manager has gen_ai.provider.name ${show(provider)}, expected "${api.provider}"`);
      walkAgent(root, 'manager', api.provider);
    }
    // Each request's traceparent: this trace, the chat span that made it (retries aside: one each).
    const traceId = spans[0].trace_id;
    for (const q of requests) {
      const id = q.response?.fixture?.response?.id;
      const chat = chatsById.get(id);
      const tp = q.headers?.traceparent;
      const want = chat ? `00-${traceId}-${chat.span_id}-01` : null;
      if (chat && tp !== want) problems.push(`the request answered by ${id} carried traceparent ${show(tp)}, expected "${want}" (its chat span)`);
    }
    console.log(`  demo (${api.kind}): ${spans.length} spans, ${requests.length} requests (streamed: ${show(streamedRequests)}), provider ${show(root?.attributes?.['gen_ai.provider.name'])}`);
  }
  report(what, problems, problems.length ? output : '');
  if (problems.length) {
    console.error(`  (trace directory kept: ${traceDir})`);
  } else {
    rmSync(traceDir, { recursive: true, force: true });
  }
};
await runDemo(apis.openai);
await runDemo(apis.anthropic);

stopServers();
if (failures) fail(`${failures} of ${checks} check(s) failed (details above)`);
console.log(`PASS: ${checks} checks against @copilotkit/aimock@${version}`);
process.exit(0);
