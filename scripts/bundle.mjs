// Builds the PWA into <dist dir>: what Trunk did (index.html's CSS hashed, public files copied,
// cargo, wasm-bindgen, wasm-opt -Oz, hashed names, preload links), with one step Trunk 0.21 lacks
// between cargo and wasm-bindgen: wasm-split-cli moves what 首页 reads from the store
// (src/routes/home_chunk.rs), the field screens beyond 首页 (src/routes/field.rs), the office
// screens (src/routes/office.rs) and the sync engine (src/sync/scheduler.rs) into chunks of their
// own (`split_<name>.wasm`, plus `chunk_<n>.wasm` for code that only some of them share) that the
// app fetches after the start or on first use (src/chunks.rs). A phone's start downloads and
// compiles only the main module.
//   node scripts/bundle.mjs <dist dir> [extra cargo features, comma-separated]
// Run by scripts/build-pwa; sw-precache and precompress run after it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const [dist, extra = ''] = process.argv.slice(2);
if (!dist) {
  console.error('usage: node scripts/bundle.mjs <dist dir> [features]');
  process.exit(2);
}
const NAME = 'yinhuan-app';
const features = ['split', ...extra.split(',').filter(Boolean)].join(',');
const targetDir = process.env.CARGO_TARGET_DIR || 'target';

function run(cmd, args) {
  console.log(`[bundle] ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit' });
}

// Replaces exactly `count` occurrences, or fails: a wasm-bindgen or wasm-split-cli update that
// changes these lines must stop the build, not ship an app that cannot load its chunks.
function replaceExactly(text, from, to, count, what) {
  const found = text.split(from).length - 1;
  if (found !== count) throw new Error(`${what}: expected ${count} × ${from}, found ${found}`);
  return text.split(from).join(to);
}
const sha384 = (bytes) => 'sha384-' + createHash('sha384').update(bytes).digest('base64');

// 0. The page: every `<link data-trunk …>` of index.html (the syntax Trunk used) becomes its file.
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
let page = readFileSync('index.html', 'utf8').replace(/^ *<link data-trunk ([^>]*)>\n/gm, (_, attrs) => {
  const rel = /rel="([^"]+)"/.exec(attrs)?.[1];
  const href = /href="([^"]+)"/.exec(attrs)?.[1];
  if (rel === 'copy-file' || rel === 'copy-dir') {
    cpSync(href, join(dist, basename(href)), { recursive: true });
    return '';
  }
  if (rel === 'css') {
    const bytes = readFileSync(href);
    const h = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
    const name = basename(href).replace(/\.css$/, `-${h}.css`);
    writeFileSync(join(dist, name), bytes);
    return `  <link rel="stylesheet" href="/${name}" integrity="${sha384(bytes)}">\n`;
  }
  throw new Error(`index.html: unknown <link data-trunk ${attrs}>`);
});

// 1. cargo (scripts/wasm-release): the release-wasm profile (size), std rebuilt for size by the
//    pinned nightly, the split points compiled in, relocations kept (.cargo/config.toml) so that
//    the splitter can move code between modules.
run('scripts/wasm-release', [features]);
const raw = join(targetDir, 'wasm32-unknown-unknown', 'release-wasm', `${NAME}.wasm`);

const work = mkdtempSync(join(tmpdir(), 'wasm-bundle-'));
try {
  // 2. split: <work>/split/yinhuan-app.wasm (main), split_<chunk>.wasm, __wasm_split.js (the
  //    loader the main module imports its split points from).
  const split = join(work, 'split');
  run('wasm-split-cli', ['--target', 'web', '--out-name', NAME, raw, split]);
  // 3. wasm-bindgen on the main module; the linker's exports stay (the chunks link to them).
  const out = join(work, 'out');
  run('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', NAME, '--no-typescript',
    '--keep-lld-exports', join(split, `${NAME}.wasm`)]);
  const chunks = readdirSync(split).filter((f) => f.endsWith('.wasm') && f !== `${NAME}.wasm`);
  if (chunks.length === 0) throw new Error('wasm-split-cli made no chunk: is the split feature on?');
  // 4. wasm-opt -Oz on every module (binaryen reads the features each one uses from it).
  const wasms = [[join(out, `${NAME}_bg.wasm`), `${NAME}_bg.wasm`],
    ...chunks.map((c) => [join(split, c), c])];
  for (const [path] of wasms) run('wasm-opt', ['-Oz', `--output=${path}`, path]);

  // 5. One hash over everything for every name: each file names another (main JS → loader →
  //    main JS and chunks), so per-file hashes would be circular; any change renames them all.
  const mainJs = readFileSync(join(out, `${NAME}.js`), 'utf8');
  const loaderJs = readFileSync(join(split, '__wasm_split.js'), 'utf8');
  const hash = createHash('sha256');
  for (const [path] of wasms) hash.update(readFileSync(path));
  hash.update(mainJs).update(loaderJs);
  const h = hash.digest('hex').slice(0, 16);
  const hashed = (file) => file.replace(/(_bg)?\.(wasm|js)$/, (m) => `-${h}${m}`);

  const loaderName = hashed('__wasm_split.js');
  // Only the module imports (one per split point's loader): the import object's key must stay
  // the name the wasm imports.
  const splitPoints = chunks.filter((c) => c.startsWith('split_')).length;
  const main = replaceExactly(mainJs, 'from "./__wasm_split.js"', `from "./${loaderName}"`,
    splitPoints, `${NAME}.js`);
  let loader = replaceExactly(loaderJs, `from "./${NAME}.js"`, `from "./${hashed(`${NAME}.js`)}"`,
    1, '__wasm_split.js');
  for (const c of chunks) {
    loader = replaceExactly(loader, `"./${c}"`, `"./${hashed(c)}"`, 1, '__wasm_split.js');
  }

  const files = {
    [hashed(`${NAME}.js`)]: Buffer.from(main),
    [loaderName]: Buffer.from(loader),
  };
  for (const [path, name] of wasms) files[hashed(name)] = readFileSync(path);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dist, name), bytes);

  // 6. index.html: the names for boot.js, and preloads for what a start needs (the chunk is not
  //    preloaded: that is the point; the service worker caches it in the background).
  const sri = (name) => sha384(files[name]);
  const js = hashed(`${NAME}.js`);
  const wasm = hashed(`${NAME}_bg.wasm`);
  const head = [
    `<meta name="yinhuan-app" content="/${js}" data-wasm="/${wasm}">`,
    `<link rel="modulepreload" href="/${js}" crossorigin="anonymous" integrity="${sri(js)}">`,
    `<link rel="modulepreload" href="/${loaderName}" crossorigin="anonymous" integrity="${sri(loaderName)}">`,
    `<link rel="preload" href="/${wasm}" crossorigin="anonymous" integrity="${sri(wasm)}" as="fetch" type="application/wasm">`,
  ].join('\n  ');
  page = replaceExactly(page, '<meta name="yinhuan-app">', head, 1, 'index.html');
  writeFileSync(join(dist, 'index.html'), page);
  for (const [name, bytes] of Object.entries(files)) {
    console.log(`[bundle] ${name} ${bytes.length} bytes`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
