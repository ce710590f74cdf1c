// A photo the server refuses stays on the device (本机) and does not hold up the others; the
// refusal is the sync page's error line. The orphan limit (429) stops the uploads for the run.
const { test, expect } = require('@playwright/test');
const { installApp, makeJpeg, login } = require('./helpers');

test.setTimeout(240_000);

async function captureHazardWithPhotos(page, name, jpegs) {
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-county').selectOption({ label: '原平市' });
  await page.locator('#ent-leader').fill('赵厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.locator('#insp-unit').fill('原平市应急管理局');
  await page.locator('#insp-people').fill('检查员');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill(`${name}：配电箱未接地`);
  const files = jpegs.map((buffer, i) => ({ name: `r${i}.jpg`, mimeType: 'image/jpeg', buffer }));
  await page.getByTestId('photo-gallery-input').setInputFiles(files);
  await expect(page.locator('.thumb')).toHaveCount(jpegs.length, { timeout: 90_000 });
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
}

/** Presses 立即同步 and waits for the run to end (whatever its outcome). */
async function runSync(page) {
  await page.goto('/sync');
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toHaveText('立即同步', { timeout: 60_000 });
}

test('a refused photo stays 本机 with the server\'s message and the other photos still upload', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await installApp(page);
  await login(page);
  const jpegs = [];
  for (let i = 0; i < 3; i++) jpegs.push(await makeJpeg(page, 1600, 1200));
  // Captured offline, so no background run uploads anything before the route below is in place.
  await ctx.setOffline(true);
  await captureHazardWithPhotos(page, `原平拒收测试厂 ${Date.now()}`, jpegs);

  // Every photo PUT reaches the real server; in 'refuse' mode the first photo claims to be a
  // PNG, which the server answers with 415. In 'limit' mode the server's 429 is played back.
  let mode = 'refuse';
  let refusedUrl = null;
  const puts = [];
  await page.route('**/api/photos/*', async (route) => {
    const req = route.request();
    if (req.method() !== 'PUT') return route.continue();
    if (mode === 'limit') {
      puts.push({ mode, url: req.url(), status: 429 });
      return route.fulfill({
        status: 429,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'too_many_requests', message: '本账号已上传 500 张尚无记录引用的照片（上限 500 张），暂不能再上传。请先同步引用这些照片的记录' }),
      });
    }
    if (mode === 'refuse' && refusedUrl === null) refusedUrl = req.url();
    const lie = mode === 'refuse' && req.url() === refusedUrl;
    const resp = await route.fetch(lie ? { headers: { ...req.headers(), 'content-type': 'image/png' } } : {});
    puts.push({ mode, url: req.url(), status: resp.status() });
    return route.fulfill({ response: resp }).catch(() => {});
  });
  await ctx.setOffline(false);

  await runSync(page);
  const refused = puts.filter((p) => p.url === refusedUrl);
  const others = puts.filter((p) => p.url !== refusedUrl);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.every((p) => p.status === 415)).toBe(true);
  expect(others.map((p) => p.status)).toEqual([201, 201]);
  await expect(page.getByTestId('sync-error')).toContainText('1 张照片未被服务器接受，仍保留在本机');
  await expect(page.getByTestId('sync-error')).toContainText('内容却是 JPEG');
  await expect(page.getByTestId('uploaded-photos')).toHaveText('2');
  await expect(page.getByTestId('pending-photos')).toContainText('1 张');

  // The next run sends it as it is: accepted, and the error line clears.
  mode = 'normal';
  await runSync(page);
  expect(puts.filter((p) => p.mode === 'normal').map((p) => [p.url, p.status])).toEqual([[refusedUrl, 201]]);
  await expect(page.getByTestId('uploaded-photos')).toHaveText('3');
  await expect(page.getByTestId('pending-photos')).toHaveText(/^0 张/);
  await expect(page.getByTestId('sync-error')).toHaveCount(0);

  // The orphan limit: each run tries one photo, then stops uploading; both stay 本机.
  const more = [];
  for (let i = 0; i < 2; i++) more.push(await makeJpeg(page, 1600, 1200));
  mode = 'limit';
  await captureHazardWithPhotos(page, `原平上限测试厂 ${Date.now()}`, more);
  await runSync(page);
  const limited = puts.filter((p) => p.mode === 'limit');
  expect(limited.length).toBeGreaterThan(0);
  expect(new Set(limited.map((p) => p.url)).size).toBe(1);
  await expect(page.getByTestId('sync-error')).toContainText('先同步引用这些照片的记录');
  await expect(page.getByTestId('pending-photos')).toContainText('2 张');
  await ctx.close();
});
