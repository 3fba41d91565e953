// Writes compressed GS1 Digital Link test vectors with GS1's digital-link.js (Apache-2.0), one
// JSON object per line: {"uri": plain, "compressed": compressed}. Only URIs that the library
// decompresses back to themselves are written: it loses precision on numbers over 53 bits and
// leading zeros of numeric lots, and those outputs are not vectors.
//
//   cd scripts/dl-differential && npm ci
//   node compression-vectors.cjs URI… > ../../crates/gs1/tests/data/compression-vectors.jsonl
//
// `cargo test -p nguon-gs1 --test compression` then checks that our decompression agrees.
const { Utils } = require('digital-link.js');

for (const uri of process.argv.slice(2)) {
  let compressed;
  try {
    compressed = Utils.compressWebUri(uri);
  } catch (error) {
    console.error(`${uri}: ${error}`);
    continue;
  }
  if (Utils.decompressWebUri(compressed) !== uri) {
    console.error(`${uri}: digital-link.js does not round-trip it, skipped`);
    continue;
  }
  console.log(JSON.stringify({ uri, compressed }));
}
