// Differential check: `nguon gs1 <uri>` (exit 0 valid, 2 invalid) against GS1's digital-link.js
// (`DigitalLink(uri).isValid()`) on generated Digital Link URIs.
//
//   npm ci && node compare.mjs [--count N] [--seed S] [--nguon PATH] [--jobs J] [--out FILE]
//
// Prints the agreement figure and a table of disagreement classes; writes every disagreement
// to FILE (default disagreements.json).

import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { classify, splitUri } from './classify.mjs';
import { DLJS_VERSION, judge } from './dljs.mjs';
import { generateCases } from './generate.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = {
    count: 2500,
    seed: '1',
    nguon: path.resolve(here, '../../target/debug/nguon'),
    jobs: 4,
    out: path.join(here, 'disagreements.json'),
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--count') args.count = Number(value);
    else if (flag === '--seed') args.seed = value;
    else if (flag === '--nguon') args.nguon = path.resolve(value);
    else if (flag === '--jobs') args.jobs = Number(value);
    else if (flag === '--out') args.out = path.resolve(value);
    else if (flag === '--help' || flag === '-h') {
      console.log('node compare.mjs [--count N] [--seed S] [--nguon PATH] [--jobs J] [--out FILE]');
      process.exit(0);
    } else {
      console.error(`unknown argument: ${flag}`);
      process.exit(64);
    }
    i += 1;
  }
  if (!Number.isInteger(args.count) || args.count < 1) throw new Error('--count must be a positive integer');
  return args;
}

function runNguon(binary, uri) {
  return new Promise((resolve) => {
    const child = spawn(binary, ['gs1', uri], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (error) => resolve({ exit: null, stdout, stderr: String(error) }));
    child.on('close', (code, signal) => resolve({ exit: code ?? `signal ${signal}`, stdout, stderr }));
  });
}

async function mapPool(items, jobs, f) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await f(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return results;
}

function nguonVerdict(run) {
  const message = run.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .filter((l) => !/^(stack backtrace:|\d+: |at |note: )/.test(l))
    .slice(0, 2)
    .join(' | ');
  const valid = run.exit === 0 ? true : run.exit === 2 ? false : null;
  return { valid, exit: run.exit, message, stdout: run.exit === 0 ? run.stdout.trim() : undefined };
}

const pct = (n, total) => `${((100 * n) / total).toFixed(1)}%`;
const clip = (text, width) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.nguon)) {
    console.error(`nguon binary not found at ${args.nguon}; build it with \`cargo build -p nguon\` from the repository root, or pass --nguon PATH`);
    process.exit(1);
  }
  const probe = nguonVerdict(await runNguon(args.nguon, 'https://id.gs1.org/01/09506000134352'));
  if (probe.valid !== true || !probe.stdout?.startsWith('{')) {
    console.error(`\`${args.nguon} gs1 https://id.gs1.org/01/09506000134352\` did not print JSON and exit 0 (exit ${probe.exit}: ${probe.message}); is the gs1 subcommand built in?`);
    process.exit(1);
  }

  const cases = generateCases({ count: args.count, seed: args.seed });
  const started = Date.now();
  const runs = await mapPool(cases, args.jobs, (c) => runNguon(args.nguon, c.uri));

  let bothValid = 0;
  let bothInvalid = 0;
  const disagreements = [];
  // Verdicts per generator tag (mutations and features), to see what both tools accept.
  const byTag = new Map();
  const countTag = (tags, field) => {
    for (const tag of tags) {
      if (/^(attr|qual):/.test(tag)) continue;
      if (!byTag.has(tag)) byTag.set(tag, { tag, total: 0, bothValid: 0, bothInvalid: 0, nguonOnly: 0, dljsOnly: 0, nguonFailed: 0 });
      const t = byTag.get(tag);
      t.total += 1;
      t[field] += 1;
    }
  };
  cases.forEach((c, i) => {
    const nguon = nguonVerdict(runs[i]);
    const quick = judge(c.uri);
    const field = nguon.valid === null ? 'nguonFailed' : nguon.valid === quick.valid ? (nguon.valid ? 'bothValid' : 'bothInvalid') : nguon.valid ? 'nguonOnly' : 'dljsOnly';
    countTag(c.tags, field);
    if (nguon.valid === quick.valid) {
      if (nguon.valid) bothValid += 1;
      else bothInvalid += 1;
      return;
    }
    const dljs = judge(c.uri, { withDetails: true });
    const r = { ...c, parts: splitUri(c.uri), nguon, dljs };
    const cls = classify(r);
    disagreements.push({ id: c.id, class: cls.id, detail: cls.detail, right: cls.right, why: cls.why, uri: c.uri, tags: c.tags, nguon, dljs });
  });

  const total = cases.length;
  const agree = bothValid + bothInvalid;
  const nguonOnly = disagreements.filter((d) => d.nguon.valid === true).length;
  const dljsOnly = disagreements.filter((d) => d.nguon.valid === false).length;
  const failed = disagreements.filter((d) => d.nguon.valid === null).length;

  const classes = new Map();
  for (const d of disagreements) {
    if (!classes.has(d.class)) classes.set(d.class, { id: d.class, right: d.right, why: d.why, count: 0, example: d, details: new Map() });
    const cls = classes.get(d.class);
    cls.count += 1;
    // The clearest example: fewest mutations, then the shortest URI.
    const noise = (x) => x.tags.filter((t) => !/^(key|qual|attr):|^(custom-domain|path-prefix|unmutated|gtin-\d+)$/.test(t)).length;
    if (noise(d) < noise(cls.example) || (noise(d) === noise(cls.example) && d.uri.length < cls.example.uri.length)) cls.example = d;
    if (d.detail) cls.details.set(d.detail, (cls.details.get(d.detail) ?? 0) + 1);
  }
  const describeDetails = (details) => [...details.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  const table = [...classes.values()].sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));

  console.log(`digital-link.js ${DLJS_VERSION} (DigitalLink(uri).isValid()) vs ${path.relative(process.cwd(), args.nguon) || args.nguon} gs1 (exit 0/2)`);
  console.log(`seed ${args.seed}, ${total} URIs, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log('');
  console.log(`total:     ${total}`);
  console.log(`agree:     ${agree} (${pct(agree, total)})  [both valid ${bothValid}, both invalid ${bothInvalid}]`);
  console.log(`disagree:  ${disagreements.length} (${pct(disagreements.length, total)})  [nguon valid/dl.js invalid ${nguonOnly}, nguon invalid/dl.js valid ${dljsOnly}, nguon failed ${failed}]`);
  console.log('');
  if (table.length) {
    const idWidth = Math.max(5, ...table.map((c) => c.id.length));
    console.log(`${'class'.padEnd(idWidth)}  count  right`);
    for (const c of table) {
      console.log(`${c.id.padEnd(idWidth)}  ${String(c.count).padStart(5)}  ${c.right}`);
      if (c.details.size) console.log(`${' '.repeat(idWidth)}         by: ${clip(describeDetails(c.details), 150)}`);
      console.log(`${' '.repeat(idWidth)}         e.g. ${c.example.uri}`);
      const detail = c.example.nguon.valid === true
        ? `dl.js: ${c.example.dljs.threw ?? `grammar ${c.example.dljs.details?.grammarOk ? 'ok' : 'fails'}, check digit ${c.example.dljs.details?.checkDigitOk ? 'ok' : 'fails'}`}`
        : `nguon (exit ${c.example.nguon.exit}): ${c.example.nguon.message}`;
      console.log(`${' '.repeat(idWidth)}         ${clip(detail, 160)}`);
    }
  }

  const report = {
    generated: new Date().toISOString(),
    seed: args.seed,
    count: total,
    nguon: args.nguon,
    digitalLinkJs: DLJS_VERSION,
    agreement: { total, agree, bothValid, bothInvalid, percent: Number(((100 * agree) / total).toFixed(2)) },
    byTag: [...byTag.values()].sort((a, b) => a.tag.localeCompare(b.tag)),
    classes: table.map(({ id, count, right, why, example, details }) => ({ id, count, right, why, by: describeDetails(details) || undefined, example: example.uri })),
    disagreements,
  };
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log('');
  console.log(`${disagreements.length} disagreements written to ${path.relative(process.cwd(), args.out)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
