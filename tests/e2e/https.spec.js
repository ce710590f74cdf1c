// What a phone on the office network sees: the app at https://yinhuan.lan:PORT, a name that is
// not localhost, served by the server's own TLS with a certificate from `tls init`, trusted the
// way a phone trusts it after installing the office CA: in the browser's NSS database (certutil),
// never with --ignore-certificate-errors. There the service worker installs, an offline reload
// is served by it, a photo is taken and fingerprinted (crypto.subtle), and a sync completes;
// no page raises a Content-Security-Policy violation. The plain-http port serves the onboarding
// page (CA fingerprint) and redirects everything else to https.
const { test, expect, chromium } = require('@playwright/test');
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { startTlsServer, makeJpeg, login, syncNow, freeBasis, storedPhotos } = require('./helpers');
const config = require('./playwright.config');

const HTTPS_PORT = Number(process.env.E2E_HTTPS_PORT || 8443);
const HTTP_PORT = Number(process.env.E2E_HTTP_PORT || 8094);
const HOST = 'yinhuan.lan';
const app = `https://${HOST}:${HTTPS_PORT}`;

test.setTimeout(180_000);

let server = null;
let scratch = null;

test.beforeAll(async () => {
  server = await startTlsServer({ httpsPort: HTTPS_PORT, httpPort: HTTP_PORT, hosts: [HOST, '192.168.1.20'], demo: true });
  scratch = server.scratch;
  // The browser's own trust store under a scratch HOME, as a phone that installed the CA.
  const nss = path.join(scratch, 'home', '.pki', 'nssdb');
  fs.mkdirSync(nss, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${nss}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${nss}`, '-A', '-t', 'C,,', '-n', '隐患排查 LAN CA', '-i', server.caPem]);
});

test.afterAll(() => server?.stop());

/** A browser that resolves yinhuan.lan to this machine and trusts what the scratch NSS db trusts. */
async function phone(home = path.join(scratch, 'home')) {
  const profile = fs.mkdtempSync(path.join(scratch, 'profile-'));
  const args = [...config.use.launchOptions.args, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: config.use.launchOptions.executablePath,
    args,
    env: { ...process.env, HOME: home },
    serviceWorkers: 'allow',
    baseURL: app,
  });
  const violations = [];
  context.on('console', (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) violations.push(m.text());
  });
  return { context, violations };
}

test('on https://yinhuan.lan the app installs, starts offline, fingerprints a photo and syncs', async () => {
  const { context, violations } = await phone();
  const page = context.pages()[0] || await context.newPage();
  await page.goto('/');
  await expect(page.getByTestId('campaign')).toBeVisible();
  expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
  expect(await page.evaluate(() => typeof crypto.subtle?.digest)).toBe('function');
  await expect(page.getByTestId('insecure-banner')).toHaveCount(0);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });

  // Offline start: the reload is served by the service worker.
  await context.setOffline(true);
  const res = await page.reload();
  expect(res.fromServiceWorker()).toBe(true);
  await expect(page.getByTestId('campaign')).toBeVisible();

  // Capture offline: an enterprise, an inspection, a hazard with a photo (fingerprinted here).
  const name = `忻府区HTTPS测试钢铁厂 ${Date.now()}`;
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-code').fill('914403001922038216');
  await page.locator('#ent-county').selectOption({ label: '忻府区' });
  await page.locator('#ent-leader').fill('孙厂长');
  await page.getByTestId('save-enterprise').click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.locator('#insp-unit').fill('忻府区应急管理局');
  await page.locator('#insp-people').fill('郑检查');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('轧钢车间吊运通道未设置警示标志');
  await freeBasis(page);
  const jpeg = await makeJpeg(page, 1600, 1200);
  await page.getByTestId('photo-gallery-input').setInputFiles({ name: 'p.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await expect(page.locator('.thumb')).toHaveCount(1, { timeout: 30_000 });
  const photos = await storedPhotos(page);
  expect(photos).toHaveLength(1);
  expect(photos[0].key).toBe(photos[0].sha);

  // An office screen, still offline: its wasm chunk (loaded on first use) comes from the
  // service worker's cache, under the same CSP.
  await page.goto('/reports');
  await expect(page.getByRole('heading', { name: '报表', exact: true })).toBeVisible();
  await expect(page.getByTestId('office-not-loaded')).toHaveCount(0);

  // Back online: sign in and sync over https.
  await context.setOffline(false);
  await login(page);
  await syncNow(page);
  await expect(page.getByTestId('uploaded-photos')).toHaveText('1');
  // The photo as the server holds it, fetched by the browser (Node cannot resolve yinhuan.lan).
  const fetched = await page.evaluate(async (sha) => {
    const token = JSON.parse(localStorage.getItem('yinhuan.session')).token;
    const res = await fetch(`/api/photos/${sha}`, { headers: { authorization: `Bearer ${token}` } });
    const digest = await crypto.subtle.digest('SHA-256', await res.arrayBuffer());
    return { status: res.status, sha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
  }, photos[0].sha);
  expect(fetched).toEqual({ status: 200, sha: photos[0].sha });

  // The server's headers, as the browser got them, and no CSP violation on any screen visited.
  const headers = await page.evaluate(async () => {
    const res = await fetch('/');
    return { hsts: res.headers.get('strict-transport-security'), csp: res.headers.get('content-security-policy') };
  });
  expect(headers.hsts).toContain('max-age=');
  expect(headers.csp).toContain("frame-ancestors 'none'");
  for (const screen of ['/', '/enterprises', '/inspections', '/hazards', '/reports', '/cross', '/dashboard', '/penalties', '/sync', '/settings', '/more', '/admin', '/admin/new', '/admin/roster', '/admin/audit']) {
    await page.goto(screen);
    await expect(page.locator('main, body').first()).toBeVisible();
  }
  await page.waitForTimeout(500);
  expect(violations).toEqual([]);
  const reports = await page.evaluate(async () => (await fetch('/api/csp-report')).json());
  expect(reports.count).toBe(0);
  await context.close();
});

test('the plain-http port serves the onboarding page with the CA fingerprint and redirects the rest', async () => {
  const pem = fs.readFileSync(server.caPem, 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const fingerprint = crypto.createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g).join(':');
  const { context, violations } = await phone();
  const page = context.pages()[0] || await context.newPage();
  await page.goto(`http://${HOST}:${HTTP_PORT}/onboarding`);
  expect((await page.locator('body').innerText()).toUpperCase()).toContain(fingerprint);
  await expect(page.getByTestId('qr').locator('svg')).toBeVisible();
  // The download is the CA itself (DER), the file a phone installs (fetched by Node: same server).
  const crt = await fetch(`http://127.0.0.1:${HTTP_PORT}/onboarding/ca.crt`);
  expect(crt.status).toBe(200);
  expect(Buffer.compare(Buffer.from(await crt.arrayBuffer()), der)).toBe(0);
  // Everything else goes to https.
  await page.goto(`http://${HOST}:${HTTP_PORT}/`);
  expect(page.url()).toBe(`${app}/`);
  await expect(page.getByTestId('campaign')).toBeVisible();
  expect(violations).toEqual([]);
  await context.close();
});

test('a phone that has not installed the office CA is refused the https address', async () => {
  // The trust above comes from the CA in the NSS database, not from any browser flag.
  const empty = fs.mkdtempSync(path.join(scratch, 'untrusting-home-'));
  const { context } = await phone(empty);
  const page = context.pages()[0] || await context.newPage();
  await expect(page.goto('/')).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
  await context.close();
});
