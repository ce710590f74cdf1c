// Sync benchmark: 1,000 records + 300 photos (≈200 kB JPEGs), from data already stored on the
// device until the server has all of it.
//   1. Ours: bytes on the wire / payload, and the wall time of one 立即同步.
//   2. The same data replicated by PouchDB (IndexedDB in the same headless Chromium) to a
//      CouchDB-protocol server (express-pouchdb, tests/e2e/bench/peer), timed the same way.
// Bytes are counted by a raw TCP relay in front of each server (node:net, no HTTP parsing): every
// byte the browser and the server exchange during the run, both ways, request and response
// headers, bodies and framing included. CDP Network events only list the requests made, to show
// that all of them are /api calls.
// Usage: node sync.mjs <baseURL of a yinhuan-server started with --demo>
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RECORDS = 1000;
const PHOTOS = 300;
const [base] = process.argv.slice(2);
if (!base) throw new Error('usage: node sync.mjs <baseURL>');
const here = dirname(fileURLToPath(import.meta.url));
const rows = [];
const row = (name, value, goal = '') => rows.push({ name, value, goal });
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** A TCP relay to 127.0.0.1:`port` that counts the bytes of every connection while `on`. */
async function countingRelay(port) {
  const stats = { on: false, up: 0, down: 0, connections: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    // No Nagle on either side, as Chromium's own sockets and any real proxy (nginx's
    // tcp_nodelay): with it, the tail of each request waited for a delayed ACK (up to 40 ms),
    // a cost per request that fell on our 300 photo PUTs, not on PouchDB's 44 requests
    // (measured: 300 PUTs from Chromium through this relay 1.74 s with Nagle, 1.22 s without,
    // 1.01 s direct).
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    if (stats.on) stats.connections++;
    client.on('data', (d) => { if (stats.on) stats.up += d.length; });
    upstream.on('data', (d) => { if (stats.on) stats.down += d.length; });
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    start() { Object.assign(stats, { on: true, up: 0, down: 0, connections: 0 }); },
    stop() { stats.on = false; return { ...stats, total: stats.up + stats.down }; },
    close() { server.close(); },
  };
}

/** Lists the requests a page makes between start() and stop(), with their start and end times
 *  (seconds), to split the run into phases. From the page's Resource Timing entries, not from
 *  DevTools' Network domain: with that one enabled, Chromium keeps a copy of every request body
 *  for the inspector, which cost PouchDB's 44 large requests (base64 photos inside JSON) about
 *  2 s of its 5.5 s and none of ours, and made the comparison 2.0x look like 2.8x. Resource
 *  Timing has no method: our API's paths tell it (push, the photo check and a batch of photos
 *  are POSTs, a single photo is a PUT, the rest GETs); for PouchDB's requests only their number is used. */
async function requestLog(page) {
  const methodOf = (path) => (['/api/sync/push', '/api/photos/check', '/api/photos/batch'].includes(path) ? 'POST'
    : path.startsWith('/api/photos/') ? 'PUT' : 'GET');
  return {
    async start() {
      await page.evaluate(() => {
        performance.setResourceTimingBufferSize(100000);
        performance.clearResourceTimings();
      });
    },
    async stop() {
      const entries = await page.evaluate(() => performance.getEntriesByType('resource')
        .filter((e) => e.initiatorType === 'fetch' || e.initiatorType === 'xmlhttprequest')
        .map((e) => ({ url: e.name, status: e.responseStatus, t0: e.startTime / 1000, t1: e.responseEnd / 1000 })));
      return entries.map((e) => ({ ...e, method: methodOf(new URL(e.url).pathname) }));
    },
  };
}

/** Runs in the page: `count` distinct 1600×1200 JPEGs, ≈200 kB each like processed field photos,
 *  fully determined by `seed` (same bytes in any page of this browser), with their SHA-256. */
async function makePhotos([seed, count]) {
  let s = seed >>> 0 || 1;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  const W = 1600, H = 1200;
  const c = document.createElement('canvas'); c.width = W; c.height = H;
  const g = c.getContext('2d');
  // Fine texture (what makes real photos big), made once and shifted per photo.
  const noise = g.createImageData(W, 520);
  const px = new Uint32Array(noise.data.buffer);
  for (let i = 0; i < px.length; i++) px[i] = (rnd() & 0x3f3f3f) | 0xff404040;
  const blobs = [], shas = [];
  for (let i = 0; i < count; i++) {
    const grad = g.createLinearGradient(0, 0, W, H);
    grad.addColorStop(0, `hsl(${(i * 37) % 360},35%,40%)`); grad.addColorStop(1, '#204060');
    g.fillStyle = grad; g.fillRect(0, 0, W, H);
    g.putImageData(noise, -((i * 7) % 400), 400 + (i % 5) * 20);
    g.fillStyle = '#ff0'; g.font = '64px sans-serif';
    g.fillText(`基准 ${seed} #${i}`, 60, 140);
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.75));
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    blobs.push(blob);
    shas.push([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return { blobs, shas };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// Per run, so a second run against the same server still uploads every photo.
const seed = (Date.now() % 2147483647) | 1;

// 1. Ours.
const relay = await countingRelay(Number(new URL(base).port));
let ours = null;
{
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(relay.url + '/sync');
  await page.locator('#login-user').fill('demo');
  await page.locator('#login-pass').fill('demo1234');
  await page.getByTestId('login').click();
  await page.getByText('已登录').waitFor();
  // Login starts a sync of the (empty) device: let it finish before seeding.
  await page.waitForFunction(() => {
    const t = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent.trim();
    return t('last-ok') && t('last-ok') !== '尚未同步' && t('sync-now') === '立即同步';
  }, null, { timeout: 60_000 });
  await page.waitForFunction(() => window.wasmBindings && window.wasmBindings.bench_seed_sync);

  const seeded = await page.evaluate(async ([fn, seed, records, count]) => {
    const { blobs, shas } = await (0, eval)(`(${fn})`)([seed, count]);
    const [payload, recordBytes, photoBytes] = await window.wasmBindings.bench_seed_sync(records, blobs);
    const dirty = await window.wasmBindings.bench_dirty_records();
    const token = JSON.parse(localStorage.getItem('yinhuan.session')).token;
    return { shas, payload, recordBytes, photoBytes, token,
      minPhoto: Math.min(...blobs.map((b) => b.size)), maxPhoto: Math.max(...blobs.map((b) => b.size)),
      records: dirty.map((r) => ({ id: r.id, kind: r.kind, body: r.body })) };
  }, [makePhotos.toString(), seed, RECORDS, PHOTOS]);
  if (new Set(seeded.shas).size !== PHOTOS) throw new Error('photos are not distinct');
  if (seeded.records.length !== RECORDS) throw new Error(`${seeded.records.length} dirty records after the seed`);

  const log = await requestLog(page);
  await log.start();
  relay.start();
  const run = await page.evaluate(() => new Promise((resolve) => {
    const t = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent.trim() ?? '';
    let running = false;
    const t0 = performance.now();
    const check = () => {
      if (t('sync-now') !== '立即同步') { running = true; return; }
      if (!running) return;
      // Idle again: the run is over (its counts are refreshed before `running` drops).
      const done = t('pending-records') === '0' && t('pending-photos').startsWith('0 张');
      const error = t('sync-error');
      {
        observer.disconnect();
        resolve({ ms: performance.now() - t0, done, error,
          attention: t('needs-attention'), uploaded: t('uploaded-photos') });
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    document.querySelector('[data-testid="sync-now"]').click();
    check();
  }));
  const wire = relay.stop();
  const reqs = await log.stop();

  // The server must really hold it all: every photo, every record (read back with the token).
  const auth = { authorization: `Bearer ${seeded.token}`, 'content-type': 'application/json' };
  const check = await (await fetch(base + '/api/photos/check', {
    method: 'POST', headers: auth, body: JSON.stringify({ hashes: seeded.shas }),
  })).json();
  const ids = new Set(seeded.records.map((r) => r.id));
  let onServer = 0, cursor = 0, more = true;
  while (more) {
    const p = await (await fetch(`${base}/api/sync/pull?cursor=${cursor}&limit=1000`, { headers: auth })).json();
    onServer += p.changes.filter((c) => ids.has(c.id)).length;
    ({ cursor, more } = p);
  }
  const notApi = reqs.filter((r) => !new URL(r.url).pathname.startsWith('/api/'));
  const by = (m, p) => reqs.filter((r) => r.method === m && new URL(r.url).pathname.startsWith(p)).length;
  const failed = reqs.filter((r) => r.status >= 400);
  const ok = run.done && !run.error && check.missing.length === 0 && onServer === RECORDS
    && run.attention === '0' && failed.length === 0;
  ours = { ...run, ok };
  row(`sync ${RECORDS.toLocaleString('en')} records + ${PHOTOS} photos: payload`, mb(seeded.payload));
  row(`  record JSON / photo bytes (photos ${(seeded.minPhoto / 1e3).toFixed(0)}–${(seeded.maxPhoto / 1e3).toFixed(0)} kB)`,
    `${mb(seeded.recordBytes)} / ${mb(seeded.photoBytes)}`);
  row('  bytes on the wire, both ways (TCP relay)', mb(wire.total));
  row('    browser→server / server→browser', `${mb(wire.up)} / ${mb(wire.down)}`);
  row(`    requests: ${reqs.length} (push ${by('POST', '/api/sync/push')}, photo PUT ${by('PUT', '/api/photos/')}, ` +
    `photo batch ${by('POST', '/api/photos/batch')}, ` +
    `check ${by('POST', '/api/photos/check')}, pull ${by('GET', '/api/sync/pull')}, non-/api ${notApi.length})`, '');
  // Where the time goes: each phase from its first request sent to its last answer, and within
  // the photo phase the time the server spent answering PUTs (the rest is the client).
  // `busy` is the time at least one of them was in flight (photos upload several at once, so
  // their durations overlap and must not be summed).
  const inFlight = (requests) => {
    const rs = [...requests].sort((a, b) => a.t0 - b.t0);
    if (!rs.length) return { span: 0, busy: 0 };
    let busy = 0, end = -Infinity;
    for (const r of rs) {
      busy += Math.max(0, r.t1 - Math.max(r.t0, end));
      end = Math.max(end, r.t1);
    }
    return { span: Math.max(...rs.map((r) => r.t1)) - rs[0].t0, busy };
  };
  const phase = (m, p) => inFlight(reqs.filter((r) => r.method === m && new URL(r.url).pathname.startsWith(p)));
  // The photo phase: single PUTs and batches alike.
  const put = inFlight(reqs.filter((r) => {
    const path = new URL(r.url).pathname;
    return (r.method === 'PUT' && path.startsWith('/api/photos/')) || path === '/api/photos/batch';
  }));
  const push = phase('POST', '/api/sync/push'), pull = phase('GET', '/api/sync/pull');
  row('  bytes on the wire / payload', ok ? (wire.total / seeded.payload).toFixed(3) : 'sync incomplete', '≤ 1.05');
  row('  sync wall time (立即同步 → idle, 0 pending)', ok ? sec(run.ms) : `FAILED after ${sec(run.ms)}`, '');
  row('    push phase / photo phase / pull phase', [push, put, pull].map((x) => `${x.span.toFixed(1)} s`).join(' / '));
  // The client's time when no request is in flight at all: before the first request, in the
  // gaps between requests (between phases, mostly), and after the last answer until idle.
  {
    const all = inFlight(reqs);
    row('    no request in flight: between requests / before the first + after the last',
      `${(all.span - all.busy).toFixed(2)} s / ${Math.max(0, run.ms / 1000 - all.span).toFixed(2)} s`);
  }
  row('    photo phase: some upload in flight / none in flight (client between uploads)',
    `${put.busy.toFixed(1)} s / ${(put.span - put.busy).toFixed(1)} s`);
  if (ok) {
    // The client side of the photo phase, call by call (the engine's per-photo store work).
    const c = await page.evaluate(() => window.wasmBindings.bench_sync_step_costs(20));
    const per = c.reduce((a, b) => a + b, 0);
    row('    client per photo (store calls, mean of 20)', `${per.toFixed(0)} ms`);
    row('      get blob / mark 已上传 (batched) / all sync entries / dirty rows / list 300 photos / count',
      c.map((x) => x.toFixed(1)).join(' / ') + ' ms');
  }
  if (!ok) {
    console.error('our sync did not complete:', JSON.stringify({ run, missing: check.missing.length, onServer, failed: failed.slice(0, 5) }));
  }
  await context.close();

  // 2. PouchDB → express-pouchdb, same browser, same documents and photo bytes.
  const head = { name: 'PouchDB replicate.to(express-pouchdb), same data', value: '', goal: '' };
  rows.push(head);
  head.value = await pouch(seeded);
}

async function pouch(seeded) {
  const peerDir = join(here, 'peer');
  if (!existsSync(join(peerDir, 'node_modules', 'express-pouchdb'))) {
    return 'not run: peer deps not installed (npm ci --prefix tests/e2e/bench/peer)';
  }
  const child = spawn(process.execPath, [join(peerDir, 'server.js'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`peer server exited with ${code}`)));
      child.stdout.on('data', (d) => {
        const m = /ready (\d+)/.exec(String(d));
        if (m) resolve(Number(m[1]));
      });
    });
    const peerRelay = await countingRelay(port);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(peerRelay.url + '/');
    await page.addScriptTag({ url: '/pouchdb.min.js' });
    // Load the same documents into the page's PouchDB (IndexedDB): record bodies as stored by
    // the app, photos as attachments of their hazards. Not timed, like our seed.
    const loaded = await page.evaluate(async ([fn, seed, count, records, expected]) => {
      const { blobs, shas } = await (0, eval)(`(${fn})`)([seed, count]);
      if (shas.join() !== expected.join()) return { error: 'photo bytes differ from the ones our sync sent' };
      const blobOf = new Map(shas.map((s, i) => [s, blobs[i]]));
      const docs = records.map((r) => {
        const body = JSON.parse(r.body);
        const doc = { _id: r.id, kind: r.kind, body };
        const photos = (r.kind === 'hazard' && body.photos) || [];
        if (photos.length) {
          doc._attachments = {};
          for (const s of photos) doc._attachments[s] = { content_type: 'image/jpeg', data: blobOf.get(s) };
        }
        return doc;
      });
      window.local = new PouchDB('bench-local');
      const res = await window.local.bulkDocs(docs);
      const bad = res.filter((r) => !r.ok);
      // allDocs, not info().doc_count: the idb adapter's doc_count leaves out documents
      // written with attachments (seen with pouchdb 9.0.0: 700 of these 1,000).
      const all = await window.local.allDocs();
      return { adapter: window.local.adapter, docs: all.rows.length, bad: bad.length };
    }, [makePhotos.toString(), seed, PHOTOS, seeded.records, seeded.shas]);
    if (loaded.error || loaded.docs !== RECORDS || loaded.bad) {
      return `not run: local PouchDB load failed ${JSON.stringify(loaded)}`;
    }
    const log = await requestLog(page);
    await log.start();
    peerRelay.start();
    const rep = await page.evaluate(async () => {
      const remote = new PouchDB(location.origin + '/db/bench');
      const t0 = performance.now();
      try {
        const r = await window.local.replicate.to(remote);
        return { ms: performance.now() - t0, ok: r.ok, written: r.docs_written, failures: r.doc_write_failures };
      } catch (e) {
        return { ms: performance.now() - t0, error: String(e && (e.message || e.reason || e.name) || e) };
      }
    });
    const wire = peerRelay.stop();
    const reqs = await log.stop();
    // What the server holds: every document, and attachments adding up to the photo bytes.
    const all = await (await fetch(`${peerRelay.url}/db/bench/_all_docs?include_docs=true`)).json();
    const attBytes = all.rows.reduce((n, r) => n + Object.values(r.doc._attachments || {})
      .reduce((m, a) => m + (a.length || 0), 0), 0);
    peerRelay.close();
    await context.close();
    if (rep.error || all.rows.length !== RECORDS || attBytes !== seeded.photoBytes) {
      return `failed: ${rep.error || `server has ${all.rows.length} docs, ${attBytes} attachment bytes`}`;
    }
    rows.push({ name: `  PouchDB: bytes on the wire / payload (${reqs.length} requests, adapter ${loaded.adapter})`,
      value: (wire.total / seeded.payload).toFixed(3), goal: '' });
    rows.push({ name: '  PouchDB time / our time', value: ours.ok ? `${(rep.ms / ours.ms).toFixed(2)}x` : 'ours failed', goal: '≥ 3x' });
    return sec(rep.ms);
  } catch (e) {
    return `not run: ${e.message}`;
  } finally {
    child.kill();
  }
}

await browser.close();
relay.close();

const w = Math.max(...rows.map((r) => r.name.length)) + 2;
const v = Math.max(14, ...rows.map((r) => String(r.value).length + 2));
console.log('benchmark'.padEnd(w) + 'value'.padEnd(v) + 'goal');
for (const r of rows) console.log(r.name.padEnd(w) + String(r.value).padEnd(v) + r.goal);
// Keep-alive sockets of the relays would keep node alive.
process.exit(0);
