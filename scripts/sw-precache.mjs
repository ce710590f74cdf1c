// Run by scripts/build-pwa, last: writes the list of built files and a build hash into sw.js, so the
// service worker precaches exactly this build's hashed app shell and drops older caches.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/sw-precache.mjs <dist dir> (scripts/build-pwa runs it)');
  process.exit(1);
}

function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const swPath = join(dir, 'sw.js');
const files = walk(dir)
  .map((p) => '/' + relative(dir, p).split(sep).join('/'))
  .filter((u) => u !== '/sw.js')
  // The .br/.gz siblings (scripts/precompress.mjs) are the same files, sent by the server
  // when the browser accepts them; the service worker caches the plain URL.
  .filter((u) => !/\.(br|gz)$/.test(u))
  .sort();
const hash = createHash('sha256');
for (const u of files) {
  hash.update(u);
  hash.update(readFileSync(join(dir, u.slice(1))));
}
const version = hash.digest('hex').slice(0, 16);
// '/' is what a cold offline start navigates to; index.html is cached under it too.
const urls = ['/', ...files];
const sw = readFileSync(swPath, 'utf8')
  .replace(/const BUILD = .*;/, `const BUILD = ${JSON.stringify(version)};`)
  .replace(/const PRECACHE = .*;/, `const PRECACHE = ${JSON.stringify(urls)};`);
writeFileSync(swPath, sw);
console.log(`sw-precache: ${urls.length} files, build ${version}`);
