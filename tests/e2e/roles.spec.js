// Roles across devices and the real server: a 市级 inspector records a 重大事故隐患; the
// enterprise's own account sees only its enterprise and reports its 整改, but cannot do the
// 复查; the 县级 account sees the hazard in 附件2, does the 复查 and 销号; the ledger and 附件1
// follow. Accounts are made with the server's own `user add` command on the run's database.
const { test, expect } = require('@playwright/test');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { installApp, makeJpeg, login, syncNow, serverBin, freeBasis } = require('./helpers');

test.setTimeout(240_000);

const root = path.resolve(__dirname, '../..');
const server = serverBin;

function addUser(name, ...args) {
  execFileSync(server, ['user', 'add', name, ...args, '--password', 'pass-e2e-123', '--data', process.env.E2E_DATA_DIR], {
    stdio: 'pipe',
  });
}

async function capture(page, name, description, major) {
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-county').selectOption('140902');
  await page.locator('#ent-leader').fill('厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
  await page.getByRole('listitem').filter({ hasText: name }).getByRole('link', { name: '开始检查' }).click();
  await page.locator('#insp-unit').fill('忻州市应急管理局');
  await page.locator('#insp-people').fill('市级检查员');
  await page.locator('#insp-date').fill('2025-03-10');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill(description);
  await freeBasis(page);
  if (major) await page.locator('label.chip', { hasText: '重大事故隐患' }).click();
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
  return new URL(page.url()).pathname;
}

async function enterpriseId(request, name) {
  const login = await request.post('/api/login', { data: { username: 'demo', password: 'demo1234', device_id: 'e2e' } });
  const { token } = await login.json();
  const res = await request.get('/api/sync/pull?limit=1000', { headers: { authorization: `Bearer ${token}` } });
  const { changes } = await res.json();
  return changes.find((c) => c.kind === 'enterprise' && c.body.name === name).id;
}

test('enterprise reports 整改, county reviews and closes; each sees only its scope', async ({ browser, request }) => {
  const stamp = Date.now();
  const mine = `忻府角色测试钢铁厂${stamp}`;
  const other = `忻府角色测试另一厂${stamp}`;
  const majorText = `转炉氧枪冷却水无流量报警联锁 ${stamp}`;
  const otherText = `另一厂配电室无挡鼠板 ${stamp}`;

  // 市级 inspector (the demo account) records both, offline, then syncs.
  const cityCtx = await browser.newContext();
  const city = await cityCtx.newPage();
  await installApp(city);
  await login(city, 'demo', 'demo1234');
  await cityCtx.setOffline(true);
  const hazardUrl = await capture(city, mine, majorText, true);
  await capture(city, other, otherText, false);
  await cityCtx.setOffline(false);
  await syncNow(city);

  addUser(`xinfu${stamp}`, '--role', 'county', '--county', '140902', '--name', '忻府区复查员');
  addUser(`firm${stamp}`, '--role', 'enterprise', '--enterprise', await enterpriseId(request, mine));

  // The enterprise: its own enterprise and hazard only; it reports 整改 but cannot review.
  const firmCtx = await browser.newContext();
  const firm = await firmCtx.newPage();
  await installApp(firm);
  await login(firm, `firm${stamp}`, 'pass-e2e-123');
  await syncNow(firm);
  await firm.goto('/hazards');
  await expect(firm.getByTestId('hazard-list')).toContainText(majorText);
  await expect(firm.getByTestId('hazard-list')).not.toContainText(otherText);
  await firm.goto('/enterprises');
  await expect(firm.getByTestId('enterprise-list')).toContainText(mine);
  await expect(firm.getByTestId('enterprise-list')).not.toContainText(other);
  await firm.goto(`${hazardUrl}/rectify`);
  await firm.locator('#rf-measures').fill('加装流量报警并与氧枪提升联锁');
  await firm.locator('#rf-measures').blur();
  // A photo of the finished work, for the reviewer to compare on site.
  const jpeg = await makeJpeg(firm, 1800, 1200);
  await firm.getByTestId('photo-gallery-input').setInputFiles([{ name: 'zg.jpg', mimeType: 'image/jpeg', buffer: jpeg }]);
  await expect(firm.locator('.thumb')).toHaveCount(1, { timeout: 60_000 });
  await firm.locator('#rf-completed').fill('2025-03-12');
  await firm.getByTestId('submit-review').click();
  await expect(firm.getByTestId('hazard-state')).toHaveText(/^待复查/);
  await expect(firm.getByTestId('record-review')).toHaveCount(0);
  await expect(firm.getByText('等待检查人员现场复查')).toBeVisible();
  await syncNow(firm);

  // The county: sees it in 附件2 as reported done, reviews and closes it.
  const countyCtx = await browser.newContext();
  const county = await countyCtx.newPage();
  await installApp(county);
  await login(county, `xinfu${stamp}`, 'pass-e2e-123');
  await syncNow(county);
  await county.goto('/reports');
  await county.getByLabel('填报范围').selectOption({ label: '忻府区' });
  await county.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  const row = county.getByTestId('annex2-row').filter({ hasText: mine });
  await expect(row).toContainText('待复查（2025年3月12日完成整改');
  await expect(row).toContainText('加装流量报警并与氧枪提升联锁');
  await expect(county.getByTestId('annex1-row').nth(2)).toContainText('重大事故隐患1条，已整改0条');
  await county.goto(`${hazardUrl}/rectify`);
  // The enterprise's 整改 photo came through the server and decodes here.
  await expect
    .poll(() => county.locator('.thumb img').evaluateAll((imgs) => imgs.map((i) => i.naturalWidth).join(',')), { timeout: 30_000 })
    .toBe('1600');
  await county.locator('#rv-unit').fill('忻府区应急管理局');
  await county.locator('#rv-date').fill('2025-03-13');
  await county.getByTestId('record-review').click();
  await expect(county.getByTestId('hazard-state')).toHaveText('已销号');
  // The reviewer's own photo, attached to that 复查.
  const reviewPhotos = county.getByTestId('review-photos');
  await reviewPhotos.getByTestId('photo-gallery-input').setInputFiles([{ name: 'fc.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(county, 1800, 1200) }]);
  await expect(reviewPhotos.locator('.thumb')).toHaveCount(1, { timeout: 60_000 });
  await expect(county.getByTestId('save-status')).toHaveText('已保存在本机');
  await syncNow(county);
  await county.goto('/reports');
  await county.getByLabel('填报范围').selectOption({ label: '忻府区' });
  await county.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  await expect(county.getByTestId('annex2-row').filter({ hasText: mine })).toContainText('已完成，2025年3月12日完成整改');
  await expect(county.getByTestId('annex1-row').nth(2)).toContainText('重大事故隐患1条，已整改1条');

  // The enterprise's device pulls the 销号 too; the city's ledger agrees.
  await syncNow(firm);
  await firm.goto(`${hazardUrl}/rectify`);
  await expect(firm.getByTestId('hazard-state')).toHaveText('已销号');
  await syncNow(city);
  await city.goto('/reports');
  await city.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  await expect(city.getByTestId('annex2-row').filter({ hasText: mine })).toContainText('已完成');
  for (const c of [cityCtx, firmCtx, countyCtx]) await c.close();
});
