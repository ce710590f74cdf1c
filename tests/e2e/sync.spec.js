// Two devices and the real server: A captures offline (records + photos), comes online and
// syncs; B signs in and sees the same records and photo bytes. Photos arrive exactly once.
const { test, expect } = require('@playwright/test');
const { installApp, makeJpeg } = require('./helpers');

test.setTimeout(240_000);

async function login(page) {
  await page.goto('/sync');
  await page.locator('#login-user').fill('demo');
  await page.locator('#login-pass').fill('demo1234');
  await page.getByTestId('login').click();
  await expect(page.getByText('已登录')).toBeVisible();
}

async function syncNow(page) {
  await page.goto('/sync');
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toHaveText('立即同步', { timeout: 60_000 });
  await expect(page.getByTestId('pending-records')).toHaveText('0', { timeout: 60_000 });
  await expect(page.getByTestId('sync-error')).toHaveCount(0);
}

test('device A captures offline and syncs; device B sees the same records and photos', async ({ browser }) => {
  const a = await browser.newContext();
  const pageA = await a.newPage();
  await installApp(pageA);
  await login(pageA);
  // Ten different pictures (the same bytes stamped in the same second would be one photo).
  const jpegs = [];
  for (let i = 0; i < 10; i++) jpegs.push(await makeJpeg(pageA, 2400, 1800));

  // Offline capture: an enterprise, an inspection, one hazard with 10 photos.
  await a.setOffline(true);
  await pageA.goto('/enterprises/new');
  await pageA.locator('#ent-name').fill('代县同步测试铸造厂');
  await pageA.locator('#ent-code').fill('914403001922038216');
  await pageA.locator('#ent-county').selectOption({ label: '代县' });
  await pageA.locator('#ent-leader').fill('周厂长');
  await pageA.getByTestId('save-enterprise').click();
  await expect(pageA.getByTestId('enterprise-list')).toContainText('代县同步测试铸造厂');
  await pageA.getByRole('link', { name: '开始检查' }).first().click();
  await pageA.locator('#insp-unit').fill('代县应急管理局');
  await pageA.locator('#insp-people').fill('吴检查');
  await pageA.getByTestId('start-inspection').click();
  await pageA.getByTestId('add-hazard').click();
  await pageA.locator('#hz-desc').fill('铸造车间有限空间未设置警示标志');
  const files = jpegs.map((buffer, i) => ({ name: `p${i}.jpg`, mimeType: 'image/jpeg', buffer }));
  await pageA.getByTestId('photo-gallery-input').setInputFiles(files);
  await expect(pageA.locator('.thumb')).toHaveCount(10, { timeout: 90_000 });
  await expect(pageA.getByTestId('save-status')).toHaveText('已保存在本机');
  const hazardUrl = new URL(pageA.url()).pathname;

  // Count photo uploads the server receives.
  const puts = [];
  pageA.on('request', (r) => { if (r.method() === 'PUT' && r.url().includes('/api/photos/')) puts.push(r.url()); });
  await a.setOffline(false);
  await syncNow(pageA);
  await expect(pageA.getByTestId('uploaded-photos')).toHaveText('10');
  expect(new Set(puts).size).toBe(10);
  expect(puts.length).toBe(10);

  // A second sync sends nothing again.
  await syncNow(pageA);
  expect(puts.length).toBe(10);

  // Device B.
  const b = await browser.newContext();
  const pageB = await b.newPage();
  await installApp(pageB);
  await login(pageB);
  await syncNow(pageB);
  await pageB.goto('/hazards');
  await expect(pageB.getByText('铸造车间有限空间未设置警示标志')).toBeVisible();
  await pageB.goto(hazardUrl);
  await expect(pageB.locator('#hz-desc')).toHaveValue('铸造车间有限空间未设置警示标志');
  await expect(pageB.locator('.thumb img')).toHaveCount(10);
  // The photo bytes came from the server (device B never had them): all decode at 1600 px.
  await expect
    .poll(() => pageB.locator('.thumb img').evaluateAll((imgs) => imgs.map((i) => i.naturalWidth).join(',')), { timeout: 30_000 })
    .toBe(Array(10).fill('1600').join(','));
  await a.close();
  await b.close();
});
