// Seeded generator of GS1 Digital Link URIs, valid and broken, for the differential check in
// compare.mjs. Every case is built from parts (scheme, host, path prefix, primary key, key
// qualifiers, query parameters) and then, with some probability, one or two mutations are
// applied. Each case carries tags naming what was generated, so a disagreement can be traced
// back to the feature that caused it.
//
// Run on its own to look at the cases: node generate.mjs [--count N] [--seed S]

import { createRequire } from 'node:module';

// ---------------------------------------------------------------------------------------------
// PRNG: a Weyl sequence passed through a 32-bit integer finaliser. Small, fast, deterministic
// across Node versions (only Math.imul and 32-bit shifts).

function seedFrom(value) {
  // FNV-1a over the seed's text, so "--seed 7" and "--seed nguon" both work.
  let h = 0x811c9dc5;
  for (const ch of String(value)) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function makeRng(seed) {
  let state = seedFrom(seed);
  const nextU32 = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const rng = {
    float: () => nextU32() / 4294967296,
    int: (lo, hi) => lo + Math.floor(rng.float() * (hi - lo + 1)), // inclusive
    pick: (list) => list[Math.floor(rng.float() * list.length)],
    chance: (p) => rng.float() < p,
    // entries: [[weight, value], ...]
    weighted: (entries) => {
      const total = entries.reduce((sum, [w]) => sum + w, 0);
      let roll = rng.float() * total;
      for (const [w, value] of entries) {
        roll -= w;
        if (roll < 0) return value;
      }
      return entries[entries.length - 1][1];
    },
    shuffle: (list) => {
      const out = [...list];
      for (let i = out.length - 1; i > 0; i -= 1) {
        const j = Math.floor(rng.float() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
  return rng;
}

// ---------------------------------------------------------------------------------------------
// GS1 value building blocks.

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// GS1 AI encodable character set 82, in the order of GS1 General Specifications figure 7.11-1
// (the order matters for the check character pair below).
const CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET82_SYMBOLS_TO_ENCODE = "!\"%&'()*+,/:;<=>?";
const CSET32 = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

const digits = (rng, n) => Array.from({ length: n }, () => rng.int(0, 9)).join('');
const chars = (rng, alphabet, n) => Array.from({ length: n }, () => rng.pick(alphabet)).join('');

// Mod-10 check digit: weights 3,1,3,1… from the rightmost data digit.
export function mod10(data) {
  let sum = 0;
  for (let i = 0; i < data.length; i += 1) {
    const digit = data.charCodeAt(data.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return String((10 - (sum % 10)) % 10);
}
const withCheck = (data) => data + mod10(data);

// Check character pair of GMN (AI 8013): each character's CSET82 index times a prime weight
// (2, 3, 5, … from the rightmost character), summed mod 1021, written as two CSET32 symbols.
export function checkPair(data) {
  const primes = [];
  for (let n = 2; primes.length < data.length; n += 1) {
    if (primes.every((p) => n % p !== 0)) primes.push(n);
  }
  let sum = 0;
  for (let i = 0; i < data.length; i += 1) {
    sum += CSET82.indexOf(data[data.length - 1 - i]) * primes[i];
  }
  const check = sum % 1021;
  return CSET32[check >> 5] + CSET32[check & 31];
}

// A GS1 Company Prefix, mostly Vietnamese (893).
function gcp(rng) {
  const start = rng.weighted([[6, '893'], [1, '950'], [1, '400'], [1, '061'], [1, '590']]);
  return start + digits(rng, rng.int(4, 7));
}
// `total` digits starting with a company prefix.
const prefixed = (rng, total) => (gcp(rng) + digits(rng, total)).slice(0, total);

// X..n value: mostly letters and digits, sometimes the CSET82 symbols that need encoding.
function xValue(rng, min, max, { symbols = 0.15 } = {}) {
  const len = rng.int(min, Math.min(max, min + 10));
  let out = '';
  for (let i = 0; i < len; i += 1) {
    if (rng.chance(symbols)) out += rng.pick(rng.chance(0.4) ? '-._' : CSET82_SYMBOLS_TO_ENCODE);
    else out += rng.pick(ALNUM);
  }
  return out;
}

function date(rng, { dayZero = false, fourDigitYear = false } = {}) {
  const year = rng.int(20, 35);
  const month = rng.int(1, 12);
  const days = [31, year % 4 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  const day = dayZero && rng.chance(0.2) ? 0 : rng.int(1, days);
  const yy = fourDigitYear ? `20${String(year).padStart(2, '0')}` : String(year).padStart(2, '0');
  return yy + String(month).padStart(2, '0') + String(day).padStart(2, '0');
}
const time = (rng) => String(rng.int(0, 23)).padStart(2, '0') + String(rng.int(0, 59)).padStart(2, '0');

// Percent-encodes a decoded value the canonical way: everything but A-Z a-z 0-9 - . _ as %XX.
export function encode(value) {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Primary keys and their qualifier sequences (from `dlpkey=` in the syntax dictionary).

function gtin(rng, length) {
  switch (length) {
    case 8:
      return withCheck(rng.pick(['893', '950', '400']) + digits(rng, 4));
    case 12:
      return withCheck(String(rng.int(0, 9)) + digits(rng, 10));
    case 13:
      return withCheck(prefixed(rng, 12));
    default:
      return withCheck(String(rng.int(0, 8)) + prefixed(rng, 12));
  }
}

function gmn(rng) {
  const body = prefixed(rng, rng.int(7, 9)) + xValue(rng, 1, 14, { symbols: 0.05 });
  const data = body.slice(0, 23);
  return data + checkPair(data);
}

// name, AI, weight, value generator, qualifier alternatives (each an ordered list).
export const KEYS = {
  '01': { name: 'GTIN', weight: 30, value: (rng) => gtin(rng, rng.weighted([[8, 14], [3, 13], [1, 12], [1, 8]])), quals: [['22', '10', '21'], ['235']] },
  '00': { name: 'SSCC', weight: 7, value: (rng) => withCheck(String(rng.int(0, 9)) + prefixed(rng, 16)), quals: [] },
  '414': { name: 'GLN', weight: 7, value: (rng) => withCheck(prefixed(rng, 12)), quals: [['254'], ['7040']] },
  '415': { name: 'pay-to GLN', weight: 1, value: (rng) => withCheck(prefixed(rng, 12)), quals: [['8020']] },
  '417': { name: 'party GLN', weight: 4, value: (rng) => withCheck(prefixed(rng, 12)), quals: [['7040']] },
  '8003': { name: 'GRAI', weight: 3, value: (rng) => '0' + withCheck(prefixed(rng, 12)) + (rng.chance(0.7) ? xValue(rng, 1, 16, { symbols: 0.05 }) : ''), quals: [] },
  '8004': { name: 'GIAI', weight: 4, value: (rng) => gcp(rng) + xValue(rng, 1, 12, { symbols: 0.1 }), quals: [['7040']] },
  '8006': { name: 'ITIP', weight: 3, value: (rng) => { const total = rng.int(1, 99); return gtin(rng, 14) + String(rng.int(1, total)).padStart(2, '0') + String(total).padStart(2, '0'); }, quals: [['22', '10', '21']] },
  '8010': { name: 'CPID', weight: 3, value: (rng) => gcp(rng) + chars(rng, UPPER_DIGITS + '#-/', rng.int(1, 10)), quals: [['8011']] },
  '8013': { name: 'GMN', weight: 3, value: gmn, quals: [] },
  '8017': { name: 'GSRN-P', weight: 2, value: (rng) => withCheck(prefixed(rng, 17)), quals: [['8019']] },
  '8018': { name: 'GSRN', weight: 3, value: (rng) => withCheck(prefixed(rng, 17)), quals: [['8019']] },
  '253': { name: 'GDTI', weight: 3, value: (rng) => withCheck(prefixed(rng, 12)) + (rng.chance(0.7) ? xValue(rng, 1, 17, { symbols: 0.05 }) : ''), quals: [] },
  '255': { name: 'GCN', weight: 3, value: (rng) => withCheck(prefixed(rng, 12)) + (rng.chance(0.7) ? digits(rng, rng.int(1, 12)) : ''), quals: [] },
  '401': { name: 'GINC', weight: 3, value: (rng) => gcp(rng) + xValue(rng, 1, 15, { symbols: 0.1 }), quals: [] },
  '402': { name: 'GSIN', weight: 3, value: (rng) => withCheck(prefixed(rng, 16)), quals: [] },
};

const QUALIFIER_VALUES = {
  '22': (rng) => xValue(rng, 1, 20),
  '10': (rng) => xValue(rng, 1, 20),
  '21': (rng) => xValue(rng, 1, 20),
  '235': (rng) => xValue(rng, 1, 28),
  '254': (rng) => xValue(rng, 1, 20),
  '7040': (rng) => String(rng.int(0, 9)) + chars(rng, ALNUM, 2) + chars(rng, ALNUM + '-_', 1),
  '8011': (rng) => String(rng.int(1, 9)) + digits(rng, rng.int(0, 11)),
  '8019': (rng) => digits(rng, rng.int(1, 10)),
  '8020': (rng) => xValue(rng, 1, 25),
};

// Removed (1.0-era) short names, used on purpose by the `short-name` mutation.
const SHORT_NAMES = {
  '01': 'gtin', '8006': 'itip', '8013': 'gmn', '8010': 'cpid', '414': 'gln', '417': 'party',
  '8017': 'gsrnp', '8018': 'gsrn', '255': 'gcn', '00': 'sscc', '253': 'gdti', '401': 'ginc',
  '402': 'gsin', '8003': 'grai', '8004': 'giai', '22': 'cpv', '10': 'lot', '21': 'ser',
  '8011': 'cpsn', '254': 'glnx', '8020': 'refno', '8019': 'srin',
};

// ---------------------------------------------------------------------------------------------
// Data attributes (query string). `req` lists primary keys (or key+qualifier) that satisfy the
// attribute's `req=` rule in the syntax dictionary; `null` means no requirement.

const ISO3166 = ['704', '392', '840', '276', '156', '250', '036', '764', '410', '356'];
const GTIN_LIKE = ['01', '8006'];
const ATTRIBUTES = [
  { ai: '17', req: ['01', '8006', '255'], value: (rng) => date(rng, { dayZero: true }) },
  { ai: '15', req: GTIN_LIKE, value: (rng) => date(rng, { dayZero: true }) },
  { ai: '11', req: GTIN_LIKE, value: (rng) => date(rng, { dayZero: true }) },
  { ai: '13', req: GTIN_LIKE, value: (rng) => date(rng, { dayZero: true }) },
  { ai: '16', req: GTIN_LIKE, value: (rng) => date(rng, { dayZero: true }) },
  { ai: '310n', req: ['01'], value: (rng) => digits(rng, 6) },
  { ai: '422', req: GTIN_LIKE, value: (rng) => rng.pick(ISO3166) },
  { ai: '7007', req: ['01'], value: (rng) => date(rng) + (rng.chance(0.3) ? date(rng) : '') },
  { ai: '7006', req: ['01'], value: (rng) => date(rng) },
  { ai: '7005', req: ['01'], value: (rng) => xValue(rng, 2, 12, { symbols: 0 }) },
  { ai: '7009', req: ['01'], value: (rng) => xValue(rng, 1, 10, { symbols: 0 }) },
  { ai: '7010', req: ['01'], value: (rng) => rng.pick(['01', '02', '03', '1', 'AQ']) },
  { ai: '7003', req: ['01'], value: (rng) => date(rng) + time(rng) },
  { ai: '8008', req: ['01'], value: (rng) => date(rng) + String(rng.int(0, 23)).padStart(2, '0') + (rng.chance(0.5) ? String(rng.int(0, 59)).padStart(2, '0') : '') },
  { ai: '7011', req: ['01'], value: (rng) => date(rng) + (rng.chance(0.5) ? time(rng) : '') },
  { ai: '7240', req: GTIN_LIKE, value: (rng) => xValue(rng, 1, 20) },
  { ai: '712', req: ['01'], value: (rng) => xValue(rng, 1, 20, { symbols: 0 }) },
  { ai: '714', req: ['01'], value: (rng) => xValue(rng, 1, 20, { symbols: 0 }) },
  { ai: '715', req: ['01'], value: (rng) => xValue(rng, 1, 20, { symbols: 0 }) },
  { ai: '716', req: ['01'], value: (rng) => xValue(rng, 1, 20, { symbols: 0 }) },
  { ai: '8012', req: GTIN_LIKE, value: (rng) => xValue(rng, 1, 20) },
  { ai: '240', req: GTIN_LIKE, value: (rng) => xValue(rng, 1, 30) },
  { ai: '8001', req: ['01'], value: (rng) => String(rng.int(1, 9999)).padStart(4, '0') + String(rng.int(1, 99999)).padStart(5, '0') + String(rng.int(1, 999)).padStart(3, '0') + rng.pick(['0', '1', '9']) + String(rng.int(0, 9)) },
  { ai: '7230', req: ['01', '8004'], value: (rng) => chars(rng, ALNUM, 2) + xValue(rng, 1, 20, { symbols: 0.05 }) },
  { ai: '9n', req: null, value: (rng) => xValue(rng, 1, 30) },
  { ai: '90', req: null, value: (rng) => xValue(rng, 1, 30) },
  { ai: '400', req: null, value: (rng) => xValue(rng, 1, 30) },
  { ai: '410', req: null, value: (rng) => withCheck(prefixed(rng, 12)) },
  { ai: '4321', req: ['00'], value: (rng) => rng.pick(['0', '1']) },
  { ai: '4326', req: ['00'], value: (rng) => date(rng) },
  { ai: '4330', req: ['00'], value: (rng) => digits(rng, 6) + (rng.chance(0.3) ? '-' : '') },
  { ai: '02+37', req: ['00'], value: null }, // pair, built specially
  { ai: '7241', req: ['8017', '8018'], value: (rng) => String(rng.weighted([[3, rng.int(1, 10)], [1, rng.int(80, 99)]])).padStart(2, '0') },
  { ai: '7242', req: ['8017', '8018'], value: (rng) => xValue(rng, 1, 25) },
  { ai: '7250', req: ['8018'], value: (rng) => date(rng, { fourDigitYear: true }) },
  { ai: '7252', req: ['8018'], value: (rng) => rng.pick(['0', '1', '2', '9']) },
  { ai: '3900', req: ['255'], value: (rng) => digits(rng, rng.int(1, 15)) },
  { ai: '3940', req: ['255'], value: (rng) => digits(rng, 4) },
  { ai: '01', req: ['8004', '00', '414'], value: (rng) => gtin(rng, 14) }, // a key as an attribute
];

// AIs that are in the dictionary but may not be Digital Link data attributes, or are unknown.
const NOT_ATTRIBUTES = [
  ['21', (rng) => xValue(rng, 1, 10, { symbols: 0 })],
  ['22', (rng) => xValue(rng, 1, 10, { symbols: 0 })],
  ['254', (rng) => xValue(rng, 1, 10, { symbols: 0 })],
  ['235', (rng) => xValue(rng, 1, 10, { symbols: 0 })],
  ['8200', () => 'https%3A%2F%2Fexample.com'],
  ['8020', (rng) => xValue(rng, 1, 10, { symbols: 0 })],
  ['7040', () => '1ABC'],
];
const UNKNOWN_AIS = ['89', '3106', '999', '0', '7999'];

// ---------------------------------------------------------------------------------------------
// Hosts and path prefixes.

const HOSTS = [
  [6, 'id.gs1.org'],
  [5, 'truyxuat.camau.gov.vn'],
  [4, 'example.com'],
  [3, 'nguon.example.vn'],
  [2, 'qr.soctrang.example.vn'],
  [2, 'shop.example.com:8443'],
  [1, 'localhost:8080'],
  [1, '192.0.2.10'],
  [1, '[2001:db8::1]'],
  [1, 'xn--ngun-8qa.vn'],
  [1, 'brand.example.com'],
  [1, 'user@example.com'],
];
const PREFIXES = [
  [14, []],
  [3, ['qr']],
  [2, ['dl']],
  [2, ['truy-xuat', 'sp']],
  [1, ['api', 'v1']],
  [1, ['ex']],
  [1, ['id']],
  [1, ['nguon']],
  [1, ['a.b_c~d']],
  [1, ['2024']],
  [1, ['00', 'x']],
  [1, ['id.gs1.org']],
];

// ---------------------------------------------------------------------------------------------
// A case under construction.

function baseLink(rng) {
  const keyAi = rng.weighted(Object.entries(KEYS).map(([ai, key]) => [key.weight, ai]));
  const key = KEYS[keyAi];
  const tags = [];
  const path = [{ code: keyAi, value: key.value(rng) }];
  if (key.quals.length && rng.chance(0.65)) {
    const alternative = rng.weighted(key.quals.map((alt, i) => [i === 0 ? 4 : 1, alt]));
    const chosen = alternative.filter(() => rng.chance(0.55));
    if (!chosen.length) chosen.push(rng.pick(alternative));
    for (const q of chosen) path.push({ code: q, value: QUALIFIER_VALUES[q](rng) });
  }
  if (keyAi === '415' && !path.some((p) => p.code === '8020')) {
    path.push({ code: '8020', value: QUALIFIER_VALUES['8020'](rng) }); // req=8020
  }

  const host = rng.weighted(HOSTS);
  const scheme = host === 'id.gs1.org' ? 'https' : rng.weighted([[5, 'https'], [1, 'http']]);
  const prefix = host === 'id.gs1.org' ? [] : rng.weighted(PREFIXES);

  const query = [];
  const usable = ATTRIBUTES.filter((a) => a.req === null || a.req.includes(keyAi));
  const attributeCount = rng.weighted([[5, 0], [4, 1], [2, 2], [1, 3]]);
  const used = new Set();
  for (let i = 0; i < attributeCount && usable.length; i += 1) {
    const a = rng.pick(usable);
    if (used.has(a.ai)) continue;
    used.add(a.ai);
    if (a.ai === '02+37') {
      query.push({ key: '02', value: gtin(rng, 14) }, { key: '37', value: String(rng.int(1, 9999)) });
    } else {
      let ai = a.ai;
      if (ai === '310n') ai = `310${rng.int(0, 5)}`;
      if (ai === '9n') ai = `9${rng.int(1, 9)}`;
      query.push({ key: ai, value: a.value(rng) });
    }
    tags.push(`attr:${a.ai}`);
  }
  if (rng.chance(0.2)) {
    query.push({ key: 'linkType', value: rng.pick(['gs1:pip', 'gs1:traceability', 'gs1:epcis', 'gs1:certificationInfo']), raw: true });
    tags.push('linkType');
  }
  if (rng.chance(0.05)) {
    query.push({ key: rng.pick(['utm_source', 'lang', 'thngId']), value: rng.pick(['qr', 'vi', 'UMwxDXBd']), raw: true });
    tags.push('extension-param');
  }
  return { scheme, host, prefix, path, query, trailing: '', fragment: '', tags };
}

export function serialise(link) {
  let uri = `${link.scheme}://${link.host}`;
  for (const segment of link.prefix) uri += `/${segment}`;
  for (const p of link.path) {
    uri += `/${p.codeText ?? p.code}/${p.encoded ?? encode(p.value)}`;
  }
  uri += link.trailing;
  if (link.query.length || link.queryText !== undefined) {
    uri += '?' + (link.queryText ?? link.query.map((q) => (q.bare ? q.key : `${q.key}=${q.encoded ?? (q.raw ? q.value : encode(q.value))}`)).join('&'));
  }
  uri += link.fragment;
  return uri;
}

// Tags that describe the finished link (mutations may have replaced the key or the host).
function structuralTags(link) {
  const tags = [`key:${link.path[0].code}`];
  if (link.path[0].code === '01' && /^\d+$/.test(link.path[0].value) && [8, 12, 13].includes(link.path[0].value.length)) {
    tags.push(`gtin-${link.path[0].value.length}`);
  }
  for (const p of link.path.slice(1)) tags.push(`qual:${p.code}`);
  if (link.host !== 'id.gs1.org') tags.push('custom-domain');
  if (link.prefix.some((s) => s !== '')) tags.push('path-prefix');
  return tags;
}

// ---------------------------------------------------------------------------------------------
// Mutations. Each takes (rng, link) and returns a tag, or null when it does not apply.

const keyHasCheckDigit = new Set(['01', '00', '414', '415', '417', '8003', '8006', '8017', '8018', '253', '255', '402']);

// Changes a decoded value and drops any hand-made encoding an earlier mutation left on it.
function setValue(part, value) {
  part.value = value;
  delete part.encoded;
}

// Any other digit, so the check digit is certainly wrong.
const flipDigit = (rng, d) => String((Number(d) + rng.int(1, 9)) % 10);

const MUTATIONS = [
  [6, 'bad-check-digit', (rng, link) => {
    const key = link.path[0];
    if (!keyHasCheckDigit.has(key.code)) return null;
    // The check digit position: last for pure numeric keys, 13/14 for keys with a serial part.
    const pos = { '253': 12, '255': 12, '8003': 13, '8006': 13 }[key.code] ?? key.value.length - 1;
    setValue(key, key.value.slice(0, pos) + flipDigit(rng, key.value[pos]) + key.value.slice(pos + 1));
    return 'bad-check-digit';
  }],
  [2, 'bad-check-pair', (rng, link) => {
    const key = link.path[0];
    if (key.code !== '8013') return null;
    const last = key.value.at(-1);
    setValue(key, key.value.slice(0, -1) + (last === 'Z' ? '2' : CSET32[CSET32.indexOf(last) + 1]));
    return 'bad-check-pair';
  }],
  [5, 'key-length', (rng, link) => {
    const key = link.path[0];
    if (['8004', '401', '8010', '8013'].includes(key.code)) {
      setValue(key, key.value + 'X'.repeat(31 - key.value.length + rng.int(0, 3)));
      return 'key-too-long';
    }
    if (rng.chance(0.5)) {
      setValue(key, key.value.slice(0, -1 - rng.int(0, 1)));
      return 'key-too-short';
    }
    setValue(key, key.value + digits(rng, rng.int(1, 2)));
    return 'key-too-long';
  }],
  [3, 'key-non-digit', (rng, link) => {
    const key = link.path[0];
    if (['8004', '401', '8013', '8010'].includes(key.code)) return null;
    const pos = rng.int(1, Math.min(8, key.value.length - 2));
    setValue(key, key.value.slice(0, pos) + rng.pick(['A', 'x', '-']) + key.value.slice(pos + 1));
    return 'key-non-digit';
  }],
  [4, 'short-gtin', (rng, link) => {
    if (link.path[0].code !== '01') return null;
    const length = rng.pick([8, 12, 13]);
    setValue(link.path[0], gtin(rng, length));
    return 'short-gtin';
  }],
  [6, 'qualifier-order', (rng, link) => {
    const quals = link.path.slice(1);
    if (quals.length >= 2) {
      const [a, b] = rng.shuffle([...quals.keys()]).slice(0, 2);
      [quals[a], quals[b]] = [quals[b], quals[a]];
      if (quals.map((q) => q.code).join() === link.path.slice(1).map((q) => q.code).join()) return null;
      link.path = [link.path[0], ...quals];
      return 'qualifier-order';
    }
    const key = KEYS[link.path[0].code];
    const order = key.quals[0];
    if (!order || order.length < 2) return null;
    // Build two qualifiers in the wrong order.
    const [first, second] = rng.shuffle(order).slice(0, 2).sort((x, y) => order.indexOf(y) - order.indexOf(x));
    link.path = [link.path[0], { code: first, value: QUALIFIER_VALUES[first](rng) }, { code: second, value: QUALIFIER_VALUES[second](rng) }];
    return 'qualifier-order';
  }],
  [4, 'qualifier-not-allowed', (rng, link) => {
    const key = KEYS[link.path[0].code];
    const allowed = new Set(key.quals.flat());
    const candidates = ['10', '21', '22', '254', '235', '7040', '8011', '8019', '8020', '17', '3103'].filter((q) => !allowed.has(q));
    const code = rng.pick(candidates);
    const value = QUALIFIER_VALUES[code] ? QUALIFIER_VALUES[code](rng) : code === '17' ? date(rng) : digits(rng, 6);
    link.path.push({ code, value });
    return 'qualifier-not-allowed';
  }],
  [3, 'mixed-alternatives', (rng, link) => {
    const code = link.path[0].code;
    if (code === '01') {
      link.path = [link.path[0], { code: rng.pick(['10', '21', '22']), value: xValue(rng, 1, 8) }, { code: '235', value: xValue(rng, 1, 8) }];
      if (rng.chance(0.5)) link.path = [link.path[0], link.path[2], link.path[1]];
      return 'mixed-alternatives';
    }
    if (code === '414') {
      link.path = [link.path[0], { code: '254', value: xValue(rng, 1, 8) }, { code: '7040', value: QUALIFIER_VALUES['7040'](rng) }];
      return 'mixed-alternatives';
    }
    return null;
  }],
  [3, 'duplicate-qualifier', (rng, link) => {
    if (link.path.length < 2) return null;
    const q = rng.pick(link.path.slice(1));
    link.path.push({ code: q.code, value: rng.chance(0.5) ? q.value : QUALIFIER_VALUES[q.code](rng) });
    return 'duplicate-qualifier';
  }],
  [4, 'qualifier-length', (rng, link) => {
    if (link.path.length < 2) return null;
    const q = rng.pick(link.path.slice(1));
    const limits = { '22': 20, '10': 20, '21': 20, '235': 28, '254': 20, '8020': 25 };
    if (limits[q.code]) {
      setValue(q, chars(rng, ALNUM, limits[q.code] + rng.int(1, 3)));
      return 'qualifier-too-long';
    }
    if (q.code === '8011') {
      setValue(q, rng.chance(0.5) ? digits(rng, 13) : '0' + digits(rng, rng.int(1, 10)));
      return q.value.length === 13 ? 'qualifier-too-long' : 'cpsn-leading-zero';
    }
    if (q.code === '8019') {
      setValue(q, digits(rng, 11));
      return 'qualifier-too-long';
    }
    if (q.code === '7040') {
      setValue(q, rng.chance(0.5) ? 'A' + chars(rng, ALNUM, 3) : String(rng.int(0, 9)) + chars(rng, ALNUM, 2) + rng.pick(['!', '%', '+']));
      return '7040-bad-format';
    }
    return null;
  }],
  [5, 'raw-reserved-in-path', (rng, link) => {
    const target = rng.pick(link.path.slice(1).length ? link.path.slice(1) : link.path);
    if (!/[A-Za-z]/.test(target.value) && target.code !== '10') return null;
    const ch = rng.pick(["(", ")", "!", "*", "'", ",", ";", ":", "+", "\"", "<", ">"]);
    target.value = target.value + ch + 'X';
    target.encoded = encode(target.value.slice(0, -2)) + ch + 'X';
    return 'raw-reserved-in-path';
  }],
  [3, 'lowercase-hex', (rng, link) => {
    const target = link.path.slice(1).find((p) => /%[0-9A-F]{2}/.test(encode(p.value)));
    if (!target) return null;
    target.encoded = encode(target.value).replace(/%([0-9A-F]{2})/g, (m, h) => `%${h.toLowerCase()}`);
    return 'lowercase-hex';
  }],
  [4, 'over-encoded-unreserved', (rng, link) => {
    const target = rng.pick(link.path);
    const enc = target.encoded ?? encode(target.value);
    const i = enc.search(/[A-Za-z0-9]/);
    if (i < 0) return null;
    target.encoded = enc.slice(0, i) + `%${enc.charCodeAt(i).toString(16).toUpperCase()}` + enc.slice(i + 1);
    return 'over-encoded-unreserved';
  }],
  [4, 'non-cset82', (rng, link) => {
    const target = link.path.length > 1 ? rng.pick(link.path.slice(1)) : null;
    if (!target) return null;
    const bad = rng.pick([['%20', 'space'], ['%7E', 'tilde'], ['~', 'tilde'], ['%C3%94', 'utf8'], ['%23', 'hash'], ['%40', 'at'], ['%5B', 'bracket']]);
    target.encoded = encode(target.value) + bad[0];
    return `non-cset82-${bad[1]}`;
  }],
  [2, 'bad-percent', (rng, link) => {
    const target = rng.pick(link.path.slice(1).length ? link.path.slice(1) : link.path);
    target.encoded = encode(target.value) + rng.pick(['%', '%2', '%G1', '%%']);
    return 'bad-percent';
  }],
  [4, 'short-name', (rng, link) => {
    if (!SHORT_NAMES[link.path[0].code]) return null;
    for (const p of link.path) if (SHORT_NAMES[p.code] && (p === link.path[0] || rng.chance(0.7))) p.codeText = SHORT_NAMES[p.code];
    return 'short-name';
  }],
  [5, 'trailing-slash', (rng, link) => {
    link.trailing = rng.weighted([[5, '/'], [1, '//']]);
    return link.trailing === '/' ? 'trailing-slash' : 'double-trailing-slash';
  }],
  [2, 'empty-segment', (rng, link) => {
    if (rng.chance(0.5)) {
      link.prefix = ['', ...link.prefix];
      return 'empty-segment-after-host';
    }
    if (link.path.length < 2) return null;
    link.path[1].codeText = `/${link.path[1].code}`; // ".../KEY//10/…"
    return 'empty-segment-in-path';
  }],
  [2, 'missing-value', (rng, link) => {
    link.path.push({ code: rng.pick(['10', '21', '254', '8019']), value: '', encoded: '' });
    link.trailing = '';
    return 'missing-qualifier-value';
  }],
  [2, 'fragment', (rng, link) => {
    link.fragment = rng.pick(['#', '#top', '#/01/123']);
    return 'fragment';
  }],
  [3, 'scheme', (rng, link) => {
    const variant = rng.pick(['HTTPS', 'HTTP', 'Https', 'ftp', 'https:', 'urn']);
    if (variant === 'https:') {
      link.scheme = 'https:/'; // https:///host…
      return 'scheme-triple-slash';
    }
    link.scheme = variant;
    return variant === 'ftp' || variant === 'urn' ? 'scheme-not-http' : 'scheme-uppercase';
  }],
  [3, 'id-gs1-org-variant', (rng, link) => {
    const variant = rng.pick(['http-canonical', 'subdomain', 'suffix', 'prefix-with-path']);
    if (variant === 'http-canonical') { link.scheme = 'http'; link.host = 'id.gs1.org'; link.prefix = []; }
    if (variant === 'subdomain') { link.scheme = 'https'; link.host = 'myid.gs1.org'; }
    if (variant === 'suffix') { link.scheme = 'https'; link.host = 'id.gs1.org.example.vn'; }
    if (variant === 'prefix-with-path') { link.scheme = 'https'; link.host = 'id.gs1.org'; link.prefix = ['vn', 'qr']; }
    return `id-gs1-org-${variant}`;
  }],
  [2, 'prefix-illegal-chars', (rng, link) => {
    // Characters RFC 3986 does not allow anywhere in a URI, in the path prefix.
    link.prefix = [rng.pick(['a b', 'tôm', 'a<b>', 'x"y', '%zz', 'a{1}', 'a|b'])];
    return 'prefix-illegal-chars';
  }],
  [3, 'prefix-shares-host-text', (rng, link) => {
    // A path prefix that also occurs inside "//host" (e.g. host qr.example.vn, prefix /qr).
    link.scheme = 'https';
    const label = rng.pick(['qr', 'truy', 'shop', 'id']);
    link.host = `${label}${rng.pick(['', 'xuat'])}.example.vn`;
    link.prefix = [label];
    return 'prefix-shares-host-text';
  }],
  [6, 'attr-bad-date', (rng, link) => {
    const ai = rng.pick(['17', '15', '11', '7006', '7007']);
    const value = rng.pick([
      () => `${digits(rng, 2)}13${String(rng.int(1, 28)).padStart(2, '0')}`,
      () => `${digits(rng, 2)}0${rng.int(1, 9)}32`,
      () => `${rng.pick(['25', '26', '27'])}0229`,
      () => `${digits(rng, 2)}0230`,
      () => `${digits(rng, 2)}00${String(rng.int(1, 28)).padStart(2, '0')}`,
      () => `${digits(rng, 2)}0400`,
    ])();
    if (link.path[0].code !== '01') link.path = [{ code: '01', value: gtin(rng, 14) }];
    link.query.push({ key: ai, value });
    return 'attr-bad-date';
  }],
  [4, 'attr-bad-format', (rng, link) => {
    if (link.path[0].code !== '01') link.path = [{ code: '01', value: gtin(rng, 14) }];
    const [ai, value] = rng.pick([
      () => ['17', digits(rng, 5)],
      () => ['17', digits(rng, 7)],
      () => ['17', `26A231`],
      () => [`310${rng.int(0, 5)}`, digits(rng, 5)],
      () => [`310${rng.int(0, 5)}`, digits(rng, 7)],
      () => ['3103', '12.500'],
      () => ['422', digits(rng, 2)],
      () => ['10', chars(rng, ALNUM, 21)],
      () => ['17', ''],
      () => ['7003', date(rng)],
    ])();
    link.query.push({ key: ai, value });
    return 'attr-bad-format';
  }],
  [3, 'attr-linter', (rng, link) => {
    if (link.path[0].code !== '01') link.path = [{ code: '01', value: gtin(rng, 14) }];
    const [ai, value, tag] = rng.pick([
      () => ['422', rng.pick(['000', '999', '001']), 'attr-iso3166'],
      () => ['8001', '0000' + digits(rng, 10), 'attr-nonzero'],
      () => ['7003', date(rng) + '2460', 'attr-time'],
      () => ['8008', date(rng) + '25', 'attr-time'],
      () => ['7010', 'é', 'attr-charset'],
    ])();
    link.query.push({ key: ai, value });
    return tag;
  }],
  [4, 'attr-not-attribute', (rng, link) => {
    if (rng.chance(0.25)) {
      link.query.push({ key: rng.pick(UNKNOWN_AIS), value: digits(rng, 4) });
      return 'attr-unknown-ai';
    }
    const [ai, gen] = rng.pick(NOT_ATTRIBUTES);
    link.query.push({ key: ai, value: gen(rng), encoded: ai === '8200' ? gen(rng) : undefined });
    return 'attr-not-attribute';
  }],
  [4, 'attr-pairing', (rng, link) => {
    const variant = rng.pick(['310n-twice', '4321-on-gtin', '37-alone', '17-on-sscc', '422+426', '7241-on-gtin', '250-without-21', '10-in-query', '02-alone']);
    const gtinLink = () => { if (link.path[0].code !== '01') link.path = [{ code: '01', value: gtin(rng, 14) }]; };
    const ssccLink = () => { if (link.path[0].code !== '00') link.path = [{ code: '00', value: withCheck(String(rng.int(0, 9)) + prefixed(rng, 16)) }]; };
    switch (variant) {
      case '310n-twice': gtinLink(); link.query.push({ key: '3103', value: digits(rng, 6) }, { key: `310${rng.pick([0, 1, 2])}`, value: digits(rng, 6) }); break;
      case '4321-on-gtin': gtinLink(); link.query.push({ key: '4321', value: '1' }); break;
      case '37-alone': ssccLink(); link.query.push({ key: '37', value: String(rng.int(1, 99)) }); break;
      case '17-on-sscc': ssccLink(); link.query.push({ key: '17', value: date(rng) }); break;
      case '422+426': gtinLink(); link.query.push({ key: '422', value: '704' }, { key: '426', value: '704' }); break;
      case '7241-on-gtin': gtinLink(); link.query.push({ key: '7241', value: '01' }); break;
      case '250-without-21': gtinLink(); link.path = link.path.filter((p) => p.code !== '21'); link.query.push({ key: '250', value: xValue(rng, 1, 10, { symbols: 0 }) }); break;
      case '10-in-query': gtinLink(); link.path = link.path.filter((p) => p.code !== '10' && p.code !== '235'); link.query.push({ key: '10', value: xValue(rng, 1, 10, { symbols: 0 }) }); break;
      case '02-alone': ssccLink(); link.query.push({ key: '02', value: gtin(rng, 14) }); break;
    }
    return `pairing-${variant}`;
  }],
  [3, 'attr-duplicate', (rng, link) => {
    const variant = rng.pick(['same', 'different', 'qualifier']);
    if (variant === 'qualifier') {
      const q = link.path.slice(1).find((p) => ['10', '21', '22', '254'].includes(p.code));
      if (!q || q.code !== '10') return null;
      link.query.push({ key: '10', value: rng.chance(0.5) ? q.value : xValue(rng, 1, 8, { symbols: 0 }) });
      return 'attr-duplicates-qualifier';
    }
    if (link.path[0].code !== '01') link.path = [{ code: '01', value: gtin(rng, 14) }];
    const first = date(rng);
    const second = variant === 'same' ? first : date(rng);
    link.query.push({ key: '17', value: first }, { key: '17', value: second });
    return first === second ? 'attr-duplicate-same' : 'attr-duplicate-different';
  }],
  [5, 'query-encoding', (rng, link) => {
    if (link.path[0].code !== '01') link.path = [{ code: '01', value: gtin(rng, 14) }];
    const variant = rng.pick(['raw-subdelim', 'plus', 'over-encoded', 'raw-equals', 'encoded-key']);
    const base = chars(rng, ALNUM, rng.int(1, 6));
    if (variant === 'raw-subdelim') {
      const ch = rng.pick(["(", ")", "!", "*", "'", ",", ":", ";", "/"]);
      link.query.push({ key: '10', value: base + ch + 'Z', encoded: base + ch + 'Z' });
      link.path = link.path.filter((p) => p.code !== '10' && p.code !== '235');
      return 'query-raw-subdelim';
    }
    if (variant === 'plus') {
      link.query.push({ key: rng.pick(['90', '98', '240']), value: base + '+Z', encoded: base + '+Z' });
      return 'query-raw-plus';
    }
    if (variant === 'over-encoded') {
      link.query.push({ key: '17', value: '', encoded: `%3${rng.int(0, 2)}${digits(rng, 1)}0${rng.int(1, 9)}1${rng.int(0, 9)}` });
      return 'query-over-encoded';
    }
    if (variant === 'raw-equals') {
      link.query.push({ key: '90', value: '', encoded: `${base}=${base}` });
      return 'query-raw-equals';
    }
    link.query.push({ key: '%31%37', value: '', encoded: date(rng) });
    return 'query-encoded-key';
  }],
  [4, 'query-shape', (rng, link) => {
    const variant = rng.pick(['empty', 'ampersands', 'semicolon', 'bare-param', 'bare-ai', 'linktype-encoded', 'empty-value-ext', 'question-in-value']);
    if (variant === 'empty') { link.query = []; link.queryText = ''; return 'query-empty'; }
    if (variant === 'ampersands') {
      if (!link.query.length) link.query.push({ key: 'linkType', value: 'gs1:pip', raw: true });
      link.queryText = '&' + link.query.map((q) => `${q.key}=${q.encoded ?? (q.raw ? q.value : encode(q.value))}`).join('&&') + '&';
      return 'query-extra-ampersands';
    }
    if (variant === 'semicolon') {
      if (link.path[0].code !== '01') link.path = [{ code: '01', value: gtin(rng, 14) }];
      link.queryText = `17=${date(rng)};3103=${digits(rng, 6)}`;
      return 'query-semicolon-delimiter';
    }
    if (variant === 'bare-param') { link.query.push({ key: rng.pick(['debug', 'nfc', 'x']), bare: true }); return 'query-bare-param'; }
    if (variant === 'bare-ai') { link.query.push({ key: rng.pick(['17', '90', '3103']), bare: true }); return 'query-bare-ai'; }
    if (variant === 'linktype-encoded') { link.query.push({ key: 'linkType', value: 'gs1%3Apip', raw: true }); return 'query-linktype-encoded'; }
    if (variant === 'empty-value-ext') { link.query.push({ key: 'linkType', value: '', raw: true }); return 'query-empty-value'; }
    link.query.push({ key: 'context', value: 'a?b', raw: true });
    return 'query-question-mark';
  }],
];

// ---------------------------------------------------------------------------------------------

let compressor = null;
function compress(uri) {
  if (!compressor) {
    const require = createRequire(import.meta.url);
    compressor = require('digital-link.js').Utils.compressWebUri;
  }
  return compressor(uri);
}

/** Generates `count` distinct cases: `{ id, uri, tags }`. */
export function generateCases({ count = 2500, seed = 1 } = {}) {
  const rng = makeRng(seed);
  const cases = [];
  const seen = new Set();
  let attempts = 0;
  while (cases.length < count && attempts < count * 20) {
    attempts += 1;
    const link = baseLink(rng);
    const mutationCount = rng.weighted([[40, 0], [45, 1], [15, 2]]);
    const applied = [];
    const tried = new Set();
    for (let i = 0; i < mutationCount; i += 1) {
      const [, name, mutate] = rng.weighted(MUTATIONS.filter((m) => !tried.has(m[1])).map((m) => [m[0], m]));
      tried.add(name); // the same mutation twice could undo itself (two swaps)
      const tag = mutate(rng, link);
      if (tag) applied.push(tag);
    }
    let uri = serialise(link);
    const tags = [...structuralTags(link), ...link.tags, ...applied.filter((t, i) => applied.indexOf(t) === i)];
    // A few compressed URIs (GS1 Digital Link compression), made from clean cases.
    if (!applied.length && link.scheme === 'https' && rng.chance(0.03)) {
      try {
        uri = compress(uri);
        tags.push('compressed');
      } catch {
        /* not compressible; keep the plain URI */
      }
    }
    if (!applied.length) tags.push('unmutated');
    if (seen.has(uri)) continue;
    seen.add(uri);
    cases.push({ id: cases.length + 1, uri, tags });
  }
  return cases;
}

function parseArgs(argv) {
  const args = { count: 20, seed: 1 };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--count') args.count = Number(argv[++i]);
    else if (argv[i] === '--seed') args.seed = argv[++i];
  }
  return args;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs(process.argv.slice(2));
  for (const c of generateCases(args)) console.log(JSON.stringify(c));
}
