// Drafts survive a closed tab; the in-page camera works with Chromium's fake camera;
// export and import round-trip without duplicates; a draft can be discarded.
const { test, expect } = require('@playwright/test');
const { installApp } = require('./helpers');

async function enterpriseAndInspection(page, name) {
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-code').fill('113715250043286799');
  await page.locator('#ent-county').selectOption({ label: '原平市' });
  await page.locator('#ent-leader').fill('张三');
  await page.getByLabel('粉尘涉爆').check();
  await page.getByTestId('save-enterprise').click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.locator('#insp-unit').fill('原平市应急管理局');
  await page.locator('#insp-people').fill('刘一');
  await page.getByTestId('start-inspection').click();
  await expect(page.getByTestId('checklist')).toBeVisible();
}

test('text typed into a hazard is kept when the tab is closed mid-typing', async ({ page, context }) => {
  await installApp(page);
  await context.setOffline(true);
  await enterpriseAndInspection(page, '原平市粉尘测试有限公司');
  await page.getByTestId('add-hazard').click();
  await expect(page.getByTestId('hazard-form')).toBeVisible();
  const url = page.url();
  expect(url).toContain('/hazards/');
  await page.locator('#hz-desc').pressSequentially('除尘器未设置泄爆片', { delay: 20 });
  await page.close();

  const again = await context.newPage();
  await again.goto(url);
  await expect(again.locator('#hz-desc')).toHaveValue('除尘器未设置泄爆片');
  await context.setOffline(false);
});

test('the in-page camera takes a stamped photo (Chromium fake camera)', async ({ page, context }) => {
  await installApp(page);
  await enterpriseAndInspection(page, '忻府区相机测试厂');
  await page.getByTestId('add-hazard').click();
  await page.getByRole('button', { name: '取景拍摄' }).click();
  const video = page.getByTestId('camera-video');
  await expect.poll(() => video.evaluate((v) => v.videoWidth), { timeout: 15_000 }).toBeGreaterThan(0);
  await page.getByTestId('camera-shoot').click();
  await expect(page.locator('.thumb')).toHaveCount(1, { timeout: 30_000 });
  await page.getByRole('button', { name: '关闭相机' }).click();
});

test('export then import restores without duplicating; discarding a draft asks first', async ({ page }) => {
  await installApp(page);
  await enterpriseAndInspection(page, '繁峙县导出测试公司');
  await page.getByRole('link', { name: '设置' }).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
  const path = await download.path();
  await expect(page.getByTestId('io-msg')).toContainText('已导出');

  // Importing into the same device adds nothing.
  await page.getByTestId('import-input').setInputFiles(path);
  await expect(page.getByTestId('io-msg')).toContainText('新增记录 0 条');

  // A foreign file is refused plainly.
  await page.getByTestId('import-input').setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{"a":1}') });
  await expect(page.getByTestId('io-msg')).toContainText('不是本应用导出的数据文件');

  // Discard the draft (confirm dialog accepted), then import brings nothing back over it?
  await page.getByRole('link', { name: '首页' }).click();
  const drafts = page.getByTestId('drafts');
  await expect(drafts).toContainText('繁峙县导出测试公司');
  page.once('dialog', (d) => d.dismiss());
  await drafts.getByRole('button', { name: '丢弃' }).first().click();
  await expect(drafts).toContainText('繁峙县导出测试公司');
  page.once('dialog', (d) => d.accept());
  await drafts.getByRole('button', { name: '丢弃' }).first().click();
  await expect(drafts).not.toContainText('繁峙县导出测试公司');

  // The older export does not resurrect the discarded draft (the tombstone is newer).
  await page.getByRole('link', { name: '设置' }).click();
  await page.getByTestId('import-input').setInputFiles(path);
  await expect(page.getByTestId('io-msg')).toContainText('本机较新而保留');
  await page.getByRole('link', { name: '首页' }).click();
  await expect(page.getByTestId('drafts')).not.toContainText('繁峙县导出测试公司');
});
