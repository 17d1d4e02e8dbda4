// Headless check that speedscope (https://www.speedscope.app, the npm package) opens the Chrome
// trace `agentrace export --format perfetto` writes, from a real trace of managed agents running
// in parallel: no import error, one profile per track, the span names and the run's duration.
//
//   node speedscope_check.mjs <agentrace executable> <trace.jsonl> <cache dir>
//
// speedscope and playwright-core are installed into <cache dir> once (npm registry) and reused;
// the browser is Debian's chromium (/usr/bin/chromium, or $AGENTRACE_CHROMIUM). When npm,
// the registry or chromium is missing the check prints SKIP and exits 77 (CTest's
// SKIP_RETURN_CODE), so machines without them skip rather than fail.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const SKIP = 77;
const versions = { speedscope: '1.25.0', 'playwright-core': '1.56.1' };

function skip(reason) {
  console.log(`SKIP: ${reason}`);
  process.exit(SKIP);
}

function fail(reason) {
  console.error(`FAIL: ${reason}`);
  process.exit(1);
}

const [agentrace, traceFile, cacheDir] = process.argv.slice(2);
if (!agentrace || !traceFile || !cacheDir) fail('usage: speedscope_check.mjs <agentrace> <trace.jsonl> <cache dir>');

const chromiumPath = process.env.AGENTRACE_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromiumPath)) skip(`no chromium at ${chromiumPath} (Debian package: chromium)`);

// 1. speedscope and playwright-core, installed once per build tree.
mkdirSync(cacheDir, { recursive: true });
const modules = path.join(cacheDir, 'node_modules');
const installed = Object.entries(versions).every(([name, version]) => {
  const manifest = path.join(modules, name, 'package.json');
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).version === version;
});
if (!installed) {
  const specs = Object.entries(versions).map(([name, version]) => `${name}@${version}`);
  try {
    execFileSync('npm', ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', '--loglevel=error', ...specs], {
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 90_000,
    });
  } catch (e) {
    skip(`cannot install ${specs.join(' ')} with npm (${e.code ?? e.status ?? e.message})`);
  }
}
const require = createRequire(path.join(cacheDir, 'package.json'));
const { chromium } = require('playwright-core');
const speedscopeHtml = path.join(modules, 'speedscope', 'dist', 'release', 'index.html');
if (!existsSync(speedscopeHtml)) fail(`speedscope's page is not at ${speedscopeHtml}`);

// 2. The Chrome trace of the real run, written by the command under test.
const chromeTrace = path.join(cacheDir, 'managed_agents.perfetto.json');
try {
  execFileSync(agentrace, ['export', traceFile, '--format', 'perfetto', '-o', chromeTrace], { stdio: 'inherit' });
} catch (e) {
  fail(`agentrace export failed (${e.status ?? e.message})`);
}
let doc;
try {
  doc = JSON.parse(readFileSync(chromeTrace, 'utf8'));
} catch (e) {
  fail(`the export is not JSON: ${e.message}`);
}
const slices = doc.traceEvents.filter((e) => e.ph === 'X');
const tracks = new Set(slices.map((e) => `${e.pid}/${e.tid}`));
const root = slices.find((e) => e.name === 'invoke_agent manager');
if (!root) fail('no invoke_agent manager span in the export');

// 3. speedscope in headless chromium, the file given to its file input as a user would.
const problems = [];
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
  timeout: 30_000,
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('dialog', async (d) => {  // speedscope alerts when it cannot import a file
    problems.push(`dialog: ${d.message()}`);
    await d.dismiss();
  });
  await page.goto(pathToFileURL(speedscopeHtml).href);
  await page.setInputFiles('input[type=file]', chromeTrace);
  await page.getByText('Sandwich').waitFor({ timeout: 15_000 });
  await page.getByText('Sandwich').click();
  await page.getByText('Symbol Name').waitFor({ timeout: 10_000 });

  // Every track is a profile ("(1/N)" in the title when there are several); visit each and
  // collect its sandwich table.
  const title = await page.evaluate(() => document.body.innerText);
  const of = title.match(/\((\d+)\/(\d+)\)/);
  const count = of ? Number(of[2]) : 1;
  if (count !== tracks.size) problems.push(`speedscope shows ${count} profiles, the file has ${tracks.size} tracks`);
  let text = '';
  for (let i = 0; i < count; i++) {
    text += await page.evaluate(() => document.body.innerText);
    await page.keyboard.press('n');  // speedscope: next profile
    await page.waitForTimeout(200);
  }

  for (const name of ['invoke_agent manager', 'execute_tool researcher', 'execute_tool analyst',
                      'invoke_agent researcher', 'invoke_agent analyst', 'chat researcher-model',
                      'execute_tool calculator', 'decide']) {
    if (!text.includes(name)) problems.push(`the span '${name}' is not shown`);
  }
  // The root's total time, in the unit speedscope chose: the file's microseconds read as such.
  const expectedMs = root.dur / 1000;
  const shown = [...text.matchAll(/([\d.]+)ms \(100%\)/g)].map((m) => Number(m[1]));
  if (!shown.some((ms) => Math.abs(ms - expectedMs) <= expectedMs * 0.01)) {
    problems.push(`no 100% row of ${expectedMs.toFixed(2)}ms (rows at 100%: ${shown.join(', ') || 'none'})`);
  }
} finally {
  await browser.close();
}

if (problems.length > 0) fail(problems.join('\n  '));
console.log(`PASS: speedscope opened ${slices.length} spans on ${tracks.size} tracks from ${path.basename(traceFile)}`);
