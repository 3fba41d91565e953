// Captures every EPCIS example document into a scratch `nguon serve`, queries everything back as
// JSON-LD (every page, with each GS1-EPC-Format) and validates each query document with GS1's
// epcis2.js (`validateEpcisDocument`: its EPCIS 2.0 JSON Schema plus its field-name checks).
// Exit 0 only if every document validates. See README.md.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import epcis2 from 'epcis2.js';

const { validateEpcisDocument } = epcis2;

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const data = join(root, 'crates/epcis/tests/data');
const FOLDERS = ['epcis-examples/JSON', 'epcis-examples/XML', 'event-hash', 'gdst'];
const PER_PAGE = 50;
const EPC_FORMATS = [null, 'Always_GS1_Digital_Link', 'Always_EPC_URN'];

function args() {
  const i = process.argv.indexOf('--nguon');
  if (i >= 0) return resolve(process.argv[i + 1]);
  console.error('building nguon (cargo build -p nguon)…');
  execFileSync('cargo', ['build', '-q', '-p', 'nguon'], { cwd: root, stdio: 'inherit' });
  return join(root, 'target/debug/nguon');
}

function documents() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(jsonld|json)$/.test(name)) out.push([path, 'application/ld+json']);
      else if (name.endsWith('.xml')) out.push([path, 'application/xml']);
    }
  };
  FOLDERS.forEach((folder) => walk(join(data, folder)));
  return out;
}

function run(nguon, database, ...command) {
  return execFileSync(nguon, [...command, '--database', database], { encoding: 'utf8' }).trim();
}

/** Starts `nguon serve` on a free port; resolves with the process and its base URL. */
function serve(nguon, database) {
  const child = spawn(nguon, ['serve', '--listen', '127.0.0.1:0', '--database', database], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveStart, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const found = line.match(/listening on (http:\/\/[0-9.:]+)/);
      if (found) resolveStart({ child, base: found[1] });
    });
    child.on('exit', (code) => reject(new Error(`nguon serve exited with ${code}`)));
  });
}

async function capture(base, key, path, contentType) {
  const response = await fetch(`${base}/epcis/capture`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': contentType,
      // One organisation captures every file: events repeated across files are skipped.
      'GS1-Capture-Error-Behaviour': 'proceed',
    },
    body: readFileSync(path),
  });
  if (response.status !== 202) return { refused: `${response.status} ${await response.text()}` };
  const location = response.headers.get('location');
  for (;;) {
    const job = await (await fetch(`${base}${location}`, {
      headers: { authorization: `Bearer ${key}` },
    })).json();
    if (!job.running) return { job };
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The query document with only `event` in its event list. */
function alone(document, event) {
  const copy = structuredClone(document);
  copy.epcisBody.queryResults.resultsBody.eventList = [event];
  return copy;
}

async function main() {
  const nguon = args();
  const scratch = mkdtempSync(join(tmpdir(), 'epcis2js-check-'));
  const database = `sqlite://${join(scratch, 'check.db')}`;
  let server;
  const failures = [];
  try {
    run(nguon, database, 'migrate');
    run(nguon, database, 'org', 'add', '--name', 'Kiểm tra epcis2.js', '--tax-code', '0999999999');
    const key = run(nguon, database, 'key', 'create', '--org', '0999999999', '--label', 'epcis2js');
    server = await serve(nguon, database);

    let captured = 0;
    let refused = 0;
    let skipped = 0;
    for (const [path, contentType] of documents()) {
      const name = relative(data, path);
      const { refused: why, job } = await capture(server.base, key, path, contentType);
      if (why) {
        refused += 1;
        console.log(`refused  ${name}: ${why.slice(0, 160)}`);
        continue;
      }
      captured += job.capturedCount;
      skipped += job.eventCount - job.capturedCount;
      if (job.errors.length && !job.errors.every((e) => /already|same batch/.test(e))) {
        failures.push(`${name}: capture job errors ${JSON.stringify(job.errors)}`);
      }
    }
    console.log(`captured ${captured} events (${skipped} skipped as repeats), ${refused} files refused`);

    for (const format of EPC_FORMATS) {
      let pages = 0;
      let events = 0;
      let url = `/epcis/events?perPage=${PER_PAGE}`;
      while (url) {
        const headers = { authorization: `Bearer ${key}`, accept: 'application/ld+json' };
        if (format) headers['GS1-EPC-Format'] = format;
        const response = await fetch(`${server.base}${url}`, { headers });
        const label = `GS1-EPC-Format ${format ?? '(none)'} ${url}`;
        const body = await response.text();
        if (response.status !== 200) {
          failures.push(`${label}: ${response.status} ${body.slice(0, 300)}`);
          break;
        }
        const document = JSON.parse(body);
        const result = validateEpcisDocument(document, false);
        const list = document.epcisBody.queryResults.resultsBody.eventList;
        pages += 1;
        events += list.length;
        if (!result.success) {
          // epcis2.js reports the first problem only: validate each event alone to name them all.
          const bad = list.filter((event) => !validateEpcisDocument(alone(document, event), false).success);
          for (const event of bad) {
            const { errors } = validateEpcisDocument(alone(document, event), false);
            failures.push(`${label}: event ${event.eventID}: ${errors.join('; ')}`);
          }
          if (!bad.length) failures.push(`${label}: ${result.errors.join('; ')}`);
        }
        const link = response.headers.get('link');
        url = link ? link.match(/^<([^>]+)>/)[1] : null;
      }
      console.log(`GS1-EPC-Format ${format ?? '(none)'}: validated ${pages} query documents with ${events} events`);
      if (events !== captured) failures.push(`GS1-EPC-Format ${format}: ${events} events read, ${captured} captured`);
    }
  } finally {
    server?.child.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
  }
  for (const failure of failures) console.log(`FAIL ${failure}`);
  console.log(failures.length ? `${failures.length} failures` : 'all documents valid');
  process.exit(failures.length ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
