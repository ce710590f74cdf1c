// Shared steps for the end-to-end specs.
const { expect } = require('@playwright/test');

/** The server binary `cargo build -p yinhuan-server` made, wherever the target dir is
 * (scripts/env.sh honours a CARGO_TARGET_DIR set by the user). */
const serverBin = require('node:path').join(
  process.env.CARGO_TARGET_DIR || require('node:path').resolve(__dirname, '../../target'),
  'debug/yinhuan-server',
);

/** Loads the app once online and waits until the service worker controls the page. */
async function installApp(page) {
  await page.goto('/');
  await expect(page.getByTestId('campaign')).toBeVisible();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });
}

/** A real camera-sized JPEG (4000×3000, gradient and noise so it does not compress to nothing). */
async function makeJpeg(page, width = 4000, height = 3000) {
  const b64 = await page.evaluate(async ([w, h]) => {
    const c = document.createElement('canvas');
    c.width = w; c.height = h;
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, '#8b5a2b'); grad.addColorStop(0.5, '#c0c0c0'); grad.addColorStop(1, '#204060');
    g.fillStyle = grad; g.fillRect(0, 0, w, h);
    const img = g.getImageData(0, 0, w, 400);
    for (let i = 0; i < img.data.length; i += 4) { const n = (Math.random() * 80) | 0; img.data[i] += n; img.data[i + 1] += n; }
    g.putImageData(img, 0, 0);
    g.fillStyle = '#ff0'; g.font = '200px sans-serif'; g.fillText('转炉水冷元件', 400, 1500);
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.92));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, [width, height]);
  return Buffer.from(b64, 'base64');
}

/** Every photo row in IndexedDB with the SHA-256 of its stored bytes, computed independently. */
async function storedPhotos(page) {
  return page.evaluate(async () => {
    const db = await new Promise((res, rej) => { const r = indexedDB.open('yinhuan'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const rows = await new Promise((res, rej) => {
      const r = db.transaction('photos').objectStore('photos').getAll();
      r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
    });
    db.close();
    const out = [];
    for (const row of rows) {
      const buf = await row.blob.arrayBuffer();
      const digest = await crypto.subtle.digest('SHA-256', buf);
      const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      const bmp = await createImageBitmap(row.blob);
      out.push({ key: row.sha256, sha: hex, bytes: buf.byteLength, type: row.blob.type, w: bmp.width, h: bmp.height, source: row.meta.source });
    }
    return out;
  });
}

/** Draws a signature stroke (each `variant` a different one, as two people sign differently) on the pad's canvas with the mouse (pointer events). */
async function drawSignature(page, variant = 0) {
  const canvas = page.getByTestId('signature-canvas');
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.6);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(box.x + box.width * (0.1 + i * 0.06), box.y + box.height * (0.6 - 0.3 * Math.sin(i + variant)));
  }
  await page.mouse.up();
}

/** Signs in on the 同步 page (the demo 市级 account unless told otherwise). */
async function login(page, user = 'demo', pass = 'demo1234') {
  await page.goto('/sync');
  await page.locator('#login-user').fill(user);
  await page.locator('#login-pass').fill(pass);
  await page.getByTestId('login').click();
  await expect(page.getByText('已登录')).toBeVisible();
}

/** Picks a free-text 判定依据 on the hazard form: the model requires one before the server
 * stores a hazard (a hazard without it stays on the device, refused, until it is filled in). */
async function freeBasis(page, text = '《安全生产法》第四十一条') {
  await page.locator('#hz-basis').selectOption('__free__');
  await page.getByLabel('判定依据（手写）').fill(text);
}

/** Presses 立即同步 and waits until the run is over with nothing left and no error. */
async function syncNow(page) {
  await page.goto('/sync');
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toHaveText('立即同步', { timeout: 60_000 });
  await expect(page.getByTestId('pending-records')).toHaveText('0', { timeout: 60_000 });
  await expect(page.getByTestId('pending-photos')).toHaveText(/^0 张/, { timeout: 60_000 });
  await expect(page.getByTestId('sync-error')).toHaveCount(0);
}

/** Saves, on the device, an enterprise of `county` named `name`, an inspection of it and one
 * hazard with `photos` (JPEG buffers); returns the hazard's path. */
async function captureHazard(page, name, county, photos) {
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-county').selectOption({ label: county });
  await page.locator('#ent-leader').fill('王五');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.locator('#insp-unit').fill(`${county}应急管理局`);
  await page.locator('#insp-people').fill('检查员');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill(`${name}：配电箱未接地`);
  await freeBasis(page);
  if (photos.length) {
    await page.getByTestId('photo-gallery-input').setInputFiles(photos.map((buffer, i) => ({ name: `x${i}.jpg`, mimeType: 'image/jpeg', buffer })));
    await expect(page.locator('.thumb')).toHaveCount(photos.length, { timeout: 90_000 });
  }
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
  return new URL(page.url()).pathname;
}

/** A server of its own with a certificate from `tls init` (the office LAN set-up): HTTPS on
 * `httpsPort`, the plain-http redirect + onboarding port on `httpPort`, both on 127.0.0.1 (a
 * browser reaches them as yinhuan.lan through --host-resolver-rules). Resolves once the
 * onboarding page answers; `stop()` ends it and removes its scratch directory. */
async function startTlsServer({ httpsPort, httpPort, hosts = ['yinhuan.lan', '192.168.1.20'], demo = false }) {
  const { spawn, execFileSync } = require('node:child_process');
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'yinhuan-tls-'));
  const data = path.join(scratch, 'data');
  fs.mkdirSync(data);
  execFileSync(serverBin, ['tls', 'init', ...hosts.flatMap((h) => ['--host', h]), '--data', data]);
  const dist = path.resolve(__dirname, '../../dist');
  const child = spawn(serverBin, ['serve', ...(demo ? ['--demo'] : []), '--dist', dist, '--data', data,
    '--listen', `127.0.0.1:${httpsPort}`, '--http-redirect', `127.0.0.1:${httpPort}`],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/onboarding`)).status === 200) break;
    } catch { /* not up yet */ }
    if (child.exitCode !== null) throw new Error(`server exited:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not up after 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    scratch,
    data,
    caPem: path.join(data, 'tls', 'ca.pem'),
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

module.exports = { startTlsServer, serverBin, installApp, makeJpeg, storedPhotos, drawSignature, login, syncNow, freeBasis, captureHazard };
