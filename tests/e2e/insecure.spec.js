// The app never fails silently where it cannot work. Opened over plain http under a name that is
// not localhost (a phone on the office network: here yinhuan.lan mapped to 127.0.0.1), the
// browser gives no service worker, no crypto.subtle, no camera: a banner on every screen says so
// and links to the onboarding page, a photo is refused at the tap with the same words, and sync
// does not send the password and records in clear. Opened inside WeChat, a banner shows how to
// get to the system browser. The onboarding page itself (served by a `tls init` server on its
// plain-http port, as a phone first sees it) shows the steps, the CA fingerprint and, in an
// in-app browser, the way out. Also makes the README's two screenshots.
const { test, expect, chromium } = require('@playwright/test');
const crypto = require('node:crypto');
const path = require('node:path');
const { startTlsServer } = require('./helpers');
const config = require('./playwright.config');

const root = path.resolve(__dirname, '../..');
const HOST = 'yinhuan.lan';
const port = Number(new URL(config.use.baseURL).port);
const insecureApp = `http://${HOST}:${port}`;
const shots = path.join(root, 'docs', 'screenshots');
const PHONE = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// Real user agents, as the apps send them (the same strings as model/src/client.rs's tests).
const WECHAT_ANDROID = 'Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';
const QQ_ANDROID = 'Mozilla/5.0 (Linux; Android 10; ELS-AN00 Build/HUAWEIELS-AN00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/77.0.3865.120 MQQBrowser/6.2 TBS/045714 Mobile Safari/537.36 V1_AND_SQ_8.8.68_2538_YYB_D A_8086800 QQ/8.8.68.7265 NetType/WIFI WebP/0.3.0 Pixel/1080 StatusBarHeight/108 SimpleUISwitch/0 QQTheme/1000 InMagicWin/0';
const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

test.setTimeout(120_000);

/** A separate Chromium that resolves yinhuan.lan to this machine (the config's flags plus one). */
async function lanBrowser() {
  const opts = config.use.launchOptions;
  return chromium.launch({ ...opts, args: [...opts.args, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
}

function watchCsp(target) {
  const violations = [];
  target.on('console', (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) violations.push(m.text());
  });
  return violations;
}

test('over plain http on a LAN name: the banner says what fails, photos and sync refuse plainly', async () => {
  const browser = await lanBrowser();
  const context = await browser.newContext({ baseURL: insecureApp, ...PHONE });
  const violations = watchCsp(context);
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByTestId('campaign')).toBeVisible();
  expect(await page.evaluate(() => ({ secure: window.isSecureContext, sw: 'serviceWorker' in navigator, subtle: !!(window.crypto && crypto.subtle) })))
    .toEqual({ secure: false, sw: false, subtle: false });

  const banner = page.getByTestId('insecure-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('离线');
  await expect(banner).toContainText('拍照');
  await expect(banner).toContainText('照片指纹');
  await expect(banner).toContainText('https');
  await expect(banner).toContainText('根证书');
  await expect(page.getByTestId('inapp-banner')).toHaveCount(0);
  const link = banner.getByTestId('onboarding-link');
  await expect(link).toHaveAttribute('href', '/onboarding');
  // Full width, at the top of the screen, right under the header.
  await expect.poll(async () => (await banner.boundingBox()).width).toBe(375);
  await expect.poll(async () => (await banner.boundingBox()).y)
    .toBe((await page.locator('header.topbar').boundingBox()).height);
  if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(shots, 'phone-insecure-banner.png') });

  // On every screen.
  await page.getByRole('link', { name: '企业' }).click();
  await expect(page.getByTestId('insecure-banner')).toBeVisible();

  // A hazard to attach photos to (IndexedDB itself works on http).
  const name = `明文测试铸造厂 ${Date.now()}`;
  await page.goto('/enterprises/new');
  await expect(page.getByTestId('insecure-banner')).toBeVisible();
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-county').selectOption({ label: '忻府区' });
  await page.locator('#ent-leader').fill('钱厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  await expect(page.getByTestId('enterprise-list').or(confirm)).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.locator('#insp-unit').fill('忻府区应急管理局');
  await page.locator('#insp-people').fill('检查员');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('浇注区地面积水');

  // 拍照: refused at the tap, before any picture is taken (no file picker opens).
  let choosers = 0;
  page.on('filechooser', () => { choosers += 1; });
  const photos = page.getByTestId('photos');
  await photos.locator('label.btn', { hasText: '拍照' }).click();
  const refusal = photos.getByRole('alert');
  await expect(refusal).toContainText('不是 https 连接，不能拍照或添加照片');
  await expect(refusal).toContainText('根证书');
  await photos.locator('label.btn', { hasText: '相册' }).click();
  await page.waitForTimeout(300);
  expect(choosers).toBe(0);
  // A file handed to the input anyway (as a picker would) is refused with the same words, and
  // nothing is stored.
  await page.getByTestId('photo-gallery-input').setInputFiles({ name: 'x.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xd9]) });
  await expect(refusal).toContainText('不能拍照或添加照片');
  await expect(page.locator('.thumb')).toHaveCount(0);
  // The in-page camera does not open either.
  await photos.getByRole('button', { name: '取景拍摄' }).click();
  await expect(refusal).toContainText('不能拍照或添加照片');
  await expect(page.getByTestId('camera-video')).toHaveCount(0);

  // Sync: no run over plain http; the sync page says why and what to do.
  await page.goto('/sync');
  await page.getByTestId('sync-now').click();
  const syncError = page.getByTestId('sync-error');
  await expect(syncError).toContainText('不是 https 连接');
  await expect(syncError).toContainText('导出未同步数据');
  await expect(page.getByTestId('sync-now')).toHaveText('立即同步');
  // What waits is still counted, and the badge does not claim 已同步.
  await expect(page.getByTestId('pending-records')).not.toHaveText('0');
  await expect(page.getByTestId('sync-badge')).not.toHaveText('已同步');
  // Nor is a password sent in clear: sign-in refuses with the same words, before any request.
  const logins = [];
  page.on('request', (r) => { if (r.url().includes('/api/login')) logins.push(r.url()); });
  await page.locator('#login-user').fill('demo');
  await page.locator('#login-pass').fill('demo1234');
  await page.getByTestId('login').click();
  await expect(page.getByRole('alert').filter({ hasText: '不是 https 连接' }).first()).toBeVisible();
  expect(logins).toEqual([]);

  // The link leaves the app for the server's page (a real navigation, not a route of the app).
  const nav = page.waitForRequest((r) => r.isNavigationRequest() && new URL(r.url()).pathname === '/onboarding');
  await page.getByTestId('onboarding-link').click();
  await nav;
  expect(violations).toEqual([]);
  await browser.close();
});

test('on http://127.0.0.1 (a secure context) there is no banner', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('campaign')).toBeVisible();
  expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
  await expect(page.getByTestId('insecure-banner')).toHaveCount(0);
  await expect(page.getByTestId('inapp-banner')).toHaveCount(0);
});

test('inside WeChat (or QQ) the app shows how to open it in the system browser', async ({ browser }) => {
  for (const [ua, app] of [[WECHAT_ANDROID, '微信'], [QQ_ANDROID, 'QQ']]) {
    const context = await browser.newContext({ userAgent: ua, ...PHONE });
    const violations = watchCsp(context);
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByTestId('campaign')).toBeVisible();
    const banner = page.getByTestId('inapp-banner');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText(`您正在${app}里打开本应用`);
    await expect(banner).toContainText('主屏幕');
    await expect(banner).toContainText('右上角');
    await expect(banner).toContainText('在浏览器中打开');
    await expect(banner.locator('svg')).toBeVisible();
    await expect(page.getByTestId('insecure-banner')).toHaveCount(0);
    // The picture folds away and comes back.
    await banner.getByRole('button', { name: '收起' }).click();
    await expect(banner.locator('svg')).toHaveCount(0);
    await expect(banner).toContainText(app);
    await banner.getByRole('button', { name: '查看方法' }).click();
    await expect(banner.locator('svg')).toBeVisible();
    expect(violations).toEqual([]);
    await context.close();
  }
});

test.describe('the onboarding page', () => {
  const HTTPS_PORT = Number(process.env.E2E_ONBOARD_HTTPS_PORT || 8445);
  const HTTP_PORT = Number(process.env.E2E_ONBOARD_HTTP_PORT || 8096);
  const onboarding = `http://${HOST}:${HTTP_PORT}/onboarding`;
  let server = null;

  test.beforeAll(async () => {
    server = await startTlsServer({ httpsPort: HTTPS_PORT, httpPort: HTTP_PORT, hosts: [HOST, '192.168.1.20'] });
  });

  test.afterAll(() => server?.stop());

  test('over plain http: the steps, the QR code, the fingerprint of the very CA it hands out', async () => {
    const browser = await lanBrowser();
    const context = await browser.newContext({ userAgent: SAFARI_IOS, ...PHONE });
    const violations = watchCsp(context);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(onboarding);
    await expect(page.getByRole('heading', { name: '安装单位的根证书' })).toBeVisible();
    await expect(page.locator('body')).toContainText('单位内网的隐患排查应用');
    // Its own stylesheet is applied (CSP style-src 'self': no inline style).
    expect(await page.locator('header.top').evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(11, 79, 156)');
    // Not an in-app browser: no detour; an iPhone gets its own steps opened.
    await expect(page.getByTestId('onboarding-inapp')).toBeHidden();
    expect(await page.locator('#os-ios').evaluate((d) => d.open)).toBe(true);
    expect(await page.locator('#os-android').evaluate((d) => d.open)).toBe(false);
    await expect(page.locator('#os-ios')).toContainText('完全信任');

    // The address, written out and as a QR code.
    const url = `https://${HOST}:${HTTPS_PORT}/`;
    await expect(page.getByTestId('https-url')).toHaveText(url);
    await expect(page.getByTestId('https-url')).toHaveAttribute('href', url);
    await expect(page.getByTestId('qr').locator('svg')).toBeVisible();

    // The fingerprint shown is the SHA-256 of the certificate the download button gives.
    // (Fetched from Node, which does not know the browser's yinhuan.lan: same server, by IP.)
    const href = await page.getByTestId('ca-download').getAttribute('href');
    const direct = `http://127.0.0.1:${HTTP_PORT}`;
    const crt = await page.request.get(new URL(href, direct).href);
    expect(crt.status()).toBe(200);
    expect(crt.headers()['content-type']).toBe('application/x-x509-ca-cert');
    const fp = crypto.createHash('sha256').update(await crt.body()).digest('hex').toUpperCase().match(/../g).join(':');
    await expect(page.getByTestId('ca-fingerprint')).toHaveText(fp);
    const pem = await page.request.get(new URL(href.replace(/\.crt$/, '.pem'), direct).href);
    expect(await pem.text()).toContain('BEGIN CERTIFICATE');

    if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(shots, 'phone-onboarding.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(violations).toEqual([]);
    await browser.close();
  });

  test('scanned with WeChat: the page first shows how to open it in the system browser', async () => {
    const browser = await lanBrowser();
    const context = await browser.newContext({ userAgent: WECHAT_ANDROID, ...PHONE });
    const violations = watchCsp(context);
    const page = await context.newPage();
    await page.goto(onboarding);
    const alert = page.getByTestId('onboarding-inapp');
    await expect(alert).toBeVisible();
    await expect(alert).toContainText('您正在微信里打开本页');
    await expect(alert).toContainText('在浏览器中打开');
    await expect(alert.locator('svg')).toBeVisible();
    // Above everything else on the page.
    const first = await page.locator('main > section').first().getAttribute('id');
    expect(first).toBe('inapp');
    expect(await page.locator('#os-android').evaluate((d) => d.open)).toBe(true);
    expect(violations).toEqual([]);
    await browser.close();
  });
});
