// Run by scripts/build-pwa, last (sw-precache skips these names): writes `.br` (brotli quality 11) and `.gz` (gzip -9)
// siblings of the content-hashed files (the wasm, its JS glue, the CSS), which the server's
// ServeDir sends as they are (server/src/static_files.rs, `precompressed_br`). Without them the
// server compressed these per request at brotli quality 4: more bytes for every phone's first
// install and update, and CPU on every download. Only hashed names: their content can never
// change under the same name, so a sibling can never go stale (index.html, sw.js and the
// manifest stay compressed per request).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/precompress.mjs <dist dir> (scripts/build-pwa runs it)');
  process.exit(1);
}

// The content hash in a name (scripts/bundle.mjs; Trunk's, which built earlier versions):
// `name-<12 to 16 hex digits>` before `.ext` or `_bg.wasm`, the same shape
// the server's `is_content_hashed` serves with an immutable cache policy.
const HASHED = /-[0-9a-f]{12,16}(_bg)?\.(wasm|js|css)$/;

let plain = 0, br = 0, gz = 0;
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (!HASHED.test(name) || !statSync(path).isFile()) continue;
  const bytes = readFileSync(path);
  const text = !name.endsWith('.wasm');
  const brotli = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: text ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  const gzip = gzipSync(bytes, { level: 9 });
  // A sibling that is not smaller would only cost the phone more bytes.
  if (brotli.length < bytes.length) writeFileSync(path + '.br', brotli);
  if (gzip.length < bytes.length) writeFileSync(path + '.gz', gzip);
  plain += bytes.length;
  br += Math.min(brotli.length, bytes.length);
  gz += Math.min(gzip.length, bytes.length);
}
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
console.log(`precompress: hashed files ${kb(plain)} → br ${kb(br)}, gzip ${kb(gz)}`);
