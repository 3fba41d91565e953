// digital-link.js as an oracle: its verdict on a URI, and, for disagreements, the details needed to
// say why (grammar result, check-digit result, the URI string it actually validated).

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { DigitalLink, Utils } = require('digital-link.js');
// apg-lib and the compiled grammar are digital-link.js's own; load them from its folder so the
// same copies are used.
const dlRequire = createRequire(require.resolve('digital-link.js'));
const apg = dlRequire('apg-lib');
const { grammarObject: GrammarObject } = dlRequire('../lib/grammarObject');

const GRAMMAR = new GrammarObject();
export const GRAMMAR_TEXT = GRAMMAR.toString();
export const DLJS_VERSION = require('digital-link.js/package.json').version;

function grammarAccepts(rule, text) {
  const parser = new apg.parser(); // eslint-disable-line new-cap
  return parser.parse(GRAMMAR, rule, apg.utils.stringToChars(text), []).success;
}

/** The digital-link.js start rule that `isValid()` uses: a substring test for id.gs1.org. */
export const startRule = (text) => (text.includes('id.gs1.org') ? 'referenceGS1webURI' : 'uncompressedCustomGS1webURI');

/** Does grammar rule `queryStringParam` accept `key=value` on its own? */
export const grammarAcceptsParam = (param) => grammarAccepts('queryStringParam', param);

/** Is `code` written anywhere in the grammar as a literal (e.g. "7240" or "7240=")? */
export const grammarMentionsAi = (code) => GRAMMAR_TEXT.includes(`"${code}"`) || GRAMMAR_TEXT.includes(`"${code}=`);

/** `{ valid, threw?, details }`: `DigitalLink(uri).isValid()`, constructor errors count as invalid. */
export function judge(uri, { withDetails = false } = {}) {
  let dl;
  try {
    dl = DigitalLink(uri);
  } catch (error) {
    return { valid: false, threw: String(error.message ?? error) };
  }
  let valid;
  try {
    valid = dl.isValid();
  } catch (error) {
    return { valid: false, threw: `isValid(): ${error.message ?? error}` };
  }
  if (!withDetails) return { valid };
  const web = dl.toWebUriString();
  const validated = Utils.removeCustomPath(web, dl.getDomain());
  return {
    valid,
    details: {
      web, // the URI as digital-link.js rebuilt it from its parsed parts
      validated, // what its grammar actually parsed (custom path removed)
      startRule: startRule(validated),
      grammarOk: grammarAccepts(startRule(validated), validated),
      checkDigitOk: safe(() => dl.isCheckDigitValid()),
      domain: dl.getDomain(),
      compressed: safe(() => Utils.isCompressedWebUri(uri)),
    },
  };
}

function safe(f) {
  try {
    return f();
  } catch {
    return false;
  }
}
