// Sorts each disagreement into a class with a known cause. Rules are tried in order and the first
// that matches names the class, so a URI with two causes is counted once, under the earlier rule
// (host-level causes first, then path, then query). A disagreement that no rule explains lands in
// an `unexplained:` class, so a new kind of difference shows up in the table instead of hiding in
// a known one.
//
// Each class says who is right per GS1 Digital Link URI syntax 1.6 and the GS1 syntax dictionary:
// `nguon`, `digital-link.js`, or `nguon (lenient)` where the input is outside the strict syntax
// but nguon's reading is harmless and is also what GS1's own syntax engine does. README.md gives
// the reasoning. `detail(r)` optionally names a sub-case (an AI, a key, a rule) for the table.

import { grammarAcceptsParam, grammarMentionsAi } from './dljs.mjs';

// Keys digital-link.js 1.4.3 has no check-digit position for (src/checkDigit.js, keyCodeToPosition):
// validateIdentifierCheckDigit() returns false for them, so isValid() is always false.
const NO_CHECK_DIGIT_ENTRY = new Set(['8006', '8013', '8010', '417', '8017', '401', '8004']);
const SHORT_NAMES = new Set(['gtin', 'itip', 'gmn', 'cpid', 'gln', 'party', 'gsrnp', 'gsrn', 'gcn', 'sscc', 'gdti', 'ginc', 'gsin', 'grai', 'giai', 'cpv', 'lot', 'ser', 'cpsn', 'glnx', 'refno', 'srin']);
const QUERY_SUBDELIMS = /[!'()*,:;/+]/;

/** Splits a URI into the parts the rules look at. Not a validator. */
export function splitUri(uri) {
  const schemeEnd = uri.indexOf('://');
  const scheme = schemeEnd >= 0 ? uri.slice(0, schemeEnd) : '';
  let rest = schemeEnd >= 0 ? uri.slice(schemeEnd + 3) : uri;
  const hashAt = rest.indexOf('#');
  const fragment = hashAt >= 0 ? rest.slice(hashAt) : null;
  if (hashAt >= 0) rest = rest.slice(0, hashAt);
  const queryAt = rest.indexOf('?');
  const query = queryAt >= 0 ? rest.slice(queryAt + 1) : null;
  if (queryAt >= 0) rest = rest.slice(0, queryAt);
  const slash = rest.indexOf('/');
  const host = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : '';
  const params = query === null ? [] : query.split('&').filter(Boolean).map((p) => {
    const eq = p.indexOf('=');
    return eq >= 0 ? { key: p.slice(0, eq), value: p.slice(eq + 1), text: p } : { key: p, value: null, text: p };
  });
  return { scheme, host, path, segments: path.split('/').slice(1), query, params, fragment };
}

const isAiKey = (key) => /^\d+$/.test(key);
const keyOf = (r) => (r.tags.find((t) => t.startsWith('key:')) ?? 'key:?').slice(4);
const decodesToUnreserved = (text) => [...text.matchAll(/%([0-9A-Fa-f]{2})/g)].some(([, hex]) => /[A-Za-z0-9\-._~]/.test(String.fromCharCode(parseInt(hex, 16))));
// nguon's error text, e.g. "AI (17) USE BY or EXPIRY: date YYMMDD (day 00 allowed): month 13 does not exist"
const nguonRule = (message) => /AI \((\d+)\) [^:]*?: ([^:]+): /.exec(message);
const rejectedAttributes = (r) => r.parts.params.filter((p) => isAiKey(p.key) && p.value !== null && !grammarAcceptsParam(`${p.key}=${p.value}`));

export const RULES = [
  // ------------------------------------------------------------ nguon neither 0 nor 2
  {
    id: 'nguon-crash',
    right: 'nguon bug',
    why: 'nguon gs1 ended with neither 0 (valid) nor 2 (invalid)',
    detail: (r) => {
      const m = /Conflicting \{ ai: "(\d+)" \}/.exec(r.nguon.message);
      return m ? `exit ${r.nguon.exit}, conflicting (${m[1]})` : `exit ${r.nguon.exit}`;
    },
    when: (r) => r.nguon.valid === null,
  },

  // ------------------------------------------------------------ nguon valid, digital-link.js invalid
  {
    id: 'dljs-scheme-case',
    right: 'nguon',
    why: 'schemes are case-insensitive (RFC 3986 §3.1) and GS1\'s syntax engine accepts HTTP(S)://; digital-link.js\'s decode() looks for the substring "http" and throws',
    when: (r) => r.nguon.valid && /http\(s\) protocol/.test(r.dljs.threw ?? '') && /^https?$/i.test(r.parts.scheme),
  },
  {
    id: 'short-names',
    right: 'digital-link.js (nguon lenient on purpose)',
    why: 'convenience alphas (/gtin/, /lot/, …) were deprecated in 1.2 and are not in the 1.3+ syntax; nguon accepts them on input by design',
    when: (r) => r.nguon.valid && r.parts.segments.some((s) => SHORT_NAMES.has(s)),
  },
  {
    id: 'dljs-no-key-415',
    right: 'nguon',
    why: '415 + 8020 is a primary key and qualifier (dlpkey=8020); digital-link.js\'s identifier list has no 415 and its payTo-path has no 8020, so the constructor throws',
    when: (r) => r.nguon.valid && keyOf(r) === '415',
  },
  {
    id: 'dljs-ipv6-host',
    right: 'nguon',
    why: 'apg runs the RFC 3986 IPv6address rule as an ordered-choice parser; "[2001:db8::1]" fails ("*N( h16 \":\" )" eats the hextet before "::" and never gives it back), "[::1]" passes',
    // Sufficient on its own: https://[2001:db8::1]/01/09506000134352 is rejected, [::1] is not.
    when: (r) => r.nguon.valid && /^\[[0-9A-Fa-f]+:[^\]]*::/.test(r.parts.host),
  },
  {
    id: 'userinfo-in-authority',
    right: 'digital-link.js (suspected nguon bug)',
    why: 'the grammar\'s customURIstem is scheme "://" hostname, with no userinfo; RFC 9110 §4.2.4 forbids generating userinfo in http(s) URIs and GS1\'s syntax engine rejects "@" in the domain. nguon accepts "user@host"',
    when: (r) => r.nguon.valid && r.parts.host.includes('@'),
  },
  {
    id: 'dljs-id-gs1-org-substring',
    right: 'nguon',
    why: 'digital-link.js uses the start rule referenceGS1webURI (literally "https://id.gs1.org") whenever "id.gs1.org" occurs anywhere in the text; http://id.gs1.org/…, myid.gs1.org and id.gs1.org.example.vn fail although the custom-URI rule accepts them',
    when: (r) => r.nguon.valid && r.dljs.details?.startRule === 'referenceGS1webURI' && !r.dljs.details.validated.startsWith('https://id.gs1.org/'),
  },
  {
    id: 'dljs-custom-path-mangled',
    right: 'nguon',
    why: 'removeCustomPath() deletes the first occurrence of the path-prefix text anywhere in the URI; a prefix like /qr also matches inside "//qr.example.vn", so part of the host is cut instead of the prefix',
    when: (r) => r.nguon.valid && r.dljs.details && !r.dljs.details.validated.startsWith(`${r.parts.scheme}://${r.parts.host}`),
  },
  {
    id: 'dljs-qualifier-alternative-never-tried',
    right: 'nguon',
    why: 'grammar 1.4.1 lists gtin-path before upui-path (01 + 235) and gln/partyGln/giai-path before fid/eoid/mid-path (+ 7040); apg is an ordered-choice parser and never backtracks into the second alternative, so a 235 or 7040 qualifier never validates',
    detail: (r) => /\/235\//.test(r.parts.path) ? '235' : '7040',
    when: (r) => r.nguon.valid && /\/(235|7040)\//.test(r.parts.path) && !r.dljs.details?.grammarOk,
  },
  {
    id: 'dljs-no-check-digit-entry',
    right: 'nguon',
    why: 'isValid() also calls validateIdentifierCheckDigit(), which returns false for every key missing from its keyCodeToPosition table (8006, 8013, 8010, 417, 8017, 401, 8004): URIs with these keys are always invalid, whatever else they hold',
    detail: keyOf,
    when: (r) => r.nguon.valid && r.dljs.details && !r.dljs.details.checkDigitOk && NO_CHECK_DIGIT_ENTRY.has(keyOf(r)),
  },
  {
    id: 'fragment',
    right: 'nguon (lenient)',
    why: 'a fragment is not part of what is resolved (RFC 3986 §3.5) and GS1\'s syntax engine ignores it; the DL grammar has no fragment, and digital-link.js keeps "#…" inside the last value',
    when: (r) => r.nguon.valid && r.parts.fragment !== null,
  },
  {
    id: 'empty-query-parameter',
    right: 'nguon (lenient)',
    why: 'a bare "?" or an empty "&&" parameter is not in the grammar (queryStringComp needs a parameter) but carries nothing; GS1\'s syntax engine skips them too. digital-link.js rebuilds it as "=undefined"',
    when: (r) => r.nguon.valid && r.parts.query !== null && (r.parts.query === '' || r.parts.query.split('&').some((p) => p === '')),
  },
  {
    id: 'grammar-double-quote',
    right: 'nguon',
    why: 'the grammar\'s XSYMBOL lists a raw \'"\' (DoubleQuote = \'"\') where every other symbol is %XX; a raw " is not a URI character (RFC 3986), so %22 is the only correct form, and the grammar rejects it',
    // Sufficient on its own: the grammar has no "%22" anywhere.
    when: (r) => r.nguon.valid && /%22/i.test(r.uri),
  },
  {
    id: 'attribute-newer-than-grammar-1.4.1',
    right: 'nguon',
    why: 'a data attribute (flag "?") in the current syntax dictionary that grammar 1.4.1 does not know (added to GS1 General Specifications after 1.4.1)',
    detail: (r) => [...new Set(rejectedAttributes(r).map((p) => p.key))].sort().join('+'),
    when: (r) => r.nguon.valid && rejectedAttributes(r).length > 0 && rejectedAttributes(r).every((p) => !grammarMentionsAi(p.key)),
  },
  {
    id: 'grammar-1.4.1-omits-714-715',
    right: 'nguon',
    why: 'grammar 1.4.1 defines nhrnAIMParameter ("714=") and nhrnUS-FDAParameter ("715=") but leaves both out of queryStringParam, so they can never match',
    detail: (r) => [...new Set(rejectedAttributes(r).map((p) => p.key))].sort().join('+'),
    when: (r) => r.nguon.valid && rejectedAttributes(r).length > 0 && rejectedAttributes(r).every((p) => ['714', '715'].includes(p.key) || !grammarMentionsAi(p.key)),
  },
  {
    id: 'percent-encoded-unreserved',
    right: 'nguon (lenient)',
    why: 'RFC 3986 §2.3/§6.2.2.2: "%41" and "A" are equivalent and should be decoded, and GS1\'s syntax engine decodes any %XX; the grammar only has the %XX forms of CSET 82 symbols, so digital-link.js rejects over-encoded letters and digits',
    when: (r) => r.nguon.valid && (decodesToUnreserved(r.parts.path) || r.parts.params.some((p) => isAiKey(p.key) && decodesToUnreserved(p.value ?? ''))),
  },
  {
    id: 'query-raw-plus',
    right: 'digital-link.js (suspected nguon bug)',
    why: 'a raw "+" in an attribute value: the grammar needs %2B; nguon reads it as a plus sign, GS1\'s syntax engine reads it as a space (form encoding) and rejects it. nguon accepts a value GS1 reads differently',
    when: (r) => r.nguon.valid && r.parts.params.some((p) => isAiKey(p.key) && (p.value ?? '').includes('+')),
  },
  {
    id: 'query-raw-sub-delimiter',
    right: 'nguon (lenient)',
    why: 'the grammar needs %XX for ! \' ( ) * , : ; / in attribute values; nguon (like GS1\'s syntax engine) takes them raw in the query, where RFC 3986 allows them and they cannot be confused with a delimiter',
    when: (r) => r.nguon.valid && r.parts.params.some((p) => isAiKey(p.key) && QUERY_SUBDELIMS.test(p.value ?? '')),
  },

  // ------------------------------------------------------------ nguon invalid, digital-link.js valid
  {
    id: 'compressed-uri',
    right: 'digital-link.js (feature missing in nguon)',
    why: 'a compressed GS1 Digital Link URI (AI data packed as base64url) is valid; digital-link.js decompresses it, nguon gs1 has no decompression and finds no primary key',
    when: (r) => !r.nguon.valid && r.tags.includes('compressed'),
  },
  {
    id: 'dljs-false-compression',
    right: 'nguon',
    why: 'a qualifier without a value (".../8019/"): digital-link.js takes the URI for a partly compressed one, its "decompression" puts a second copy of the primary key in place of the dangling qualifier, and the rebuilt URI validates',
    when: (r) => !r.nguon.valid && r.dljs.details?.compressed,
  },
  {
    id: 'dljs-collapses-duplicate-qualifier',
    right: 'nguon',
    why: 'a qualifier given twice breaks the fixed order; digital-link.js keeps qualifiers in an object, so the repeat overwrites the first and the rebuilt URI is valid',
    when: (r) => !r.nguon.valid && r.tags.includes('duplicate-qualifier'),
  },
  {
    id: 'dljs-drops-empty-segments',
    right: 'nguon',
    why: 'an empty path segment ("//") is not in the grammar; digital-link.js filters empty segments out before it validates the rebuilt URI',
    when: (r) => !r.nguon.valid && /\/\//.test(r.parts.path),
  },
  {
    id: 'dljs-collapses-duplicate-attribute',
    right: 'nguon',
    why: 'an AI repeated in the query: digital-link.js keeps attributes in an object, so only the last value is validated and an invalid earlier one disappears (GS1\'s syntax engine rejects any repeated AI)',
    when: (r) => !r.nguon.valid && (() => {
      const keys = r.parts.params.filter((p) => isAiKey(p.key)).map((p) => p.key);
      return new Set(keys).size < keys.length;
    })(),
  },
  {
    id: 'repeated-ai-path-and-query',
    right: 'nguon',
    why: 'an AI given both as a path qualifier or key and as a query attribute: an AI carries one value per identifier and GS1\'s syntax engine rejects any repeat; digital-link.js merges path and query into one object and validates what is left',
    when: (r) => !r.nguon.valid && /appears more than once/.test(r.nguon.message),
  },
  {
    id: 'illegal-uri-characters',
    right: 'nguon',
    why: 'a space, <, >, {, |, raw non-ASCII or a broken %-escape in the path prefix or a non-AI parameter makes the text not a URI (RFC 3986 §3.3, §3.4), and GS1\'s syntax engine rejects it; digital-link.js only validates the GS1 part it rebuilds',
    when: (r) => !r.nguon.valid && /(path prefix|query parameter): character/.test(r.nguon.message),
  },
  {
    id: 'dljs-truncates-value-at-equals',
    right: 'nguon',
    why: 'a raw "=" inside an attribute value must be %3D; digital-link.js splits "k=v=w" into k and v and silently drops "=w"',
    when: (r) => !r.nguon.valid && r.parts.params.some((p) => (p.value ?? '').includes('=')),
  },
  {
    id: 'dljs-bare-ai-becomes-undefined',
    right: 'nguon',
    why: 'an AI parameter without "=" ("?90") is not in the grammar; digital-link.js rebuilds it as "90=undefined", a valid AI 90 value',
    when: (r) => !r.nguon.valid && r.parts.params.some((p) => p.value === null && isAiKey(p.key)),
  },
  {
    id: 'grammar-double-quote',
    right: 'nguon',
    why: 'the grammar\'s XSYMBOL lists a raw \'"\' (DoubleQuote = \'"\'); a raw " is not a URI character (RFC 3986) and must be %22',
    when: (r) => !r.nguon.valid && r.uri.includes('"'),
  },
  {
    id: 'grammar-extension-swallows-rest',
    right: 'nguon',
    why: 'grammar 1.4.1 lets ";" separate parameters and lets an extension parameter\'s key and value contain "&"; after "10=A;Z" the grammar reads "Z&410=…&7040=…" as one extension parameter and never checks the AIs inside it',
    when: (r) => !r.nguon.valid && r.parts.query?.includes(';'),
  },
  {
    id: 'grammar-lists-non-attribute',
    right: 'nguon',
    why: 'grammar 1.4.1 lists the AI in queryStringParam, but the current syntax dictionary does not flag it as a Digital Link data attribute ("?")',
    detail: (r) => (/AI \((\d+)\) is not allowed/.exec(r.nguon.message) ?? [])[1] ?? '?',
    when: (r) => !r.nguon.valid && /is not allowed as a Digital Link data attribute/.test(r.nguon.message),
  },
  {
    id: 'dictionary-req',
    right: 'nguon',
    why: 'the dictionary\'s req= rule (an AI that needs a companion AI) cannot be written in the ABNF',
    detail: (r) => (/AI \((\d+)\) .* must appear together with/.exec(r.nguon.message) ?? [])[1] ?? '?',
    when: (r) => !r.nguon.valid && /must appear together with/.test(r.nguon.message),
  },
  {
    id: 'dictionary-ex',
    right: 'nguon',
    why: 'the dictionary\'s ex= rule (mutually exclusive AIs) cannot be written in the ABNF',
    detail: (r) => {
      const m = /AI \((\d+)\) may not appear together with AI \((\d+)\)/.exec(r.nguon.message);
      return m ? `${m[1]}/${m[2]}` : '?';
    },
    when: (r) => !r.nguon.valid && /may not appear together with/.test(r.nguon.message),
  },
  {
    id: 'dictionary-linter',
    right: 'nguon',
    why: 'a syntax-dictionary linter rejects the value (a real date, a code list, a check-character pair…); the ABNF checks only the character class and length',
    detail: (r) => `${nguonRule(r.nguon.message)[2]} (${nguonRule(r.nguon.message)[1]})`,
    when: (r) => !r.nguon.valid && nguonRule(r.nguon.message) !== null,
  },
  {
    id: 'dictionary-format',
    right: 'nguon',
    why: 'the dictionary\'s length or character set for the AI is stricter than the grammar\'s',
    detail: (r) => (/AI \((\d+)\)[^:]*: (length|character)/.exec(r.nguon.message) ?? []).slice(1).join(' ') || '?',
    when: (r) => !r.nguon.valid && /AI \(\d+\)[^:]*: (length must be|character .* is not allowed)/.test(r.nguon.message),
  },
];

/** Returns { id, right, why, detail } for one disagreement. */
export function classify(r) {
  for (const rule of RULES) {
    let matched = false;
    try {
      matched = rule.when(r);
    } catch {
      matched = false;
    }
    if (matched) {
      return { id: rule.id, right: rule.right, why: rule.why, detail: rule.detail ? rule.detail(r) : null };
    }
  }
  const direction = r.nguon.valid ? 'nguon-valid' : 'nguon-invalid';
  const interesting = r.tags.filter((t) => !/^(key|qual|attr):|^(custom-domain|path-prefix|linkType|extension-param|unmutated)$/.test(t));
  return { id: `unexplained:${direction}:${interesting.join('+') || 'no-mutation'}`, right: '?', why: 'no rule matched: study the example', detail: null };
}
