// The office screens: every 附件1 figure lists the records behind it, the 工作台 counts per
// county, the 附件3 plan is checked live against the notice's rules, and 附件2 downloads as a
// real .xlsx once online and signed in (offline / signed out say what to do instead).
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { test, expect } = require('@playwright/test');
const { installApp, login, freeBasis } = require('./helpers');

async function newEnterprise(page, name, countyCode) {
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-county').selectOption(countyCode);
  await page.locator('#ent-leader').fill('郝厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  await expect(page.getByTestId('enterprise-list').or(confirm)).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
}

test('a 附件1 figure lists its hazard; the 工作台 counts the county (offline)', async ({ page, context }) => {
  await installApp(page);
  await context.setOffline(true);
  await newEnterprise(page, '忻府报表测试铸造厂', '140902');
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.locator('#insp-unit').fill('忻府区应急管理局');
  await page.locator('#insp-people').fill('吴检查');
  await page.locator('#insp-date').fill('2025-03-10');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('浇铸区安全通道堆放杂物');
  await freeBasis(page);
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
  const hazardPath = new URL(page.url()).pathname;

  await page.goto('/reports');
  await page.getByLabel('填报范围').selectOption({ label: '忻府区' });
  await page.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  const row3 = page.getByTestId('annex1-row').nth(2);
  // The sentence keeps the seed's wording with the figures inside it.
  await expect(row3).toContainText('县级共检查1家企业，发现一般问题隐患1条，已整改0条');
  await row3.locator('[data-figure="county_hazards-general_found"]').click();
  const list = page.getByTestId('figure-list');
  await expect(list).toContainText('这一数字背后的记录（1条）');
  await expect(list.getByTestId('figure-item')).toHaveCount(1);
  await expect(list.getByTestId('figure-item')).toContainText('浇铸区安全通道堆放杂物');
  await expect(list.getByTestId('figure-item')).toHaveAttribute('href', hazardPath);
  // The enterprise count lists the enterprise.
  await row3.locator('[data-figure="county_enterprises"]').click();
  await expect(list.getByTestId('figure-item')).toContainText('忻府报表测试铸造厂');
  await expect(list.getByTestId('figure-item')).toHaveAttribute('href', /^\/enterprises\//);
  await row3.locator('[data-figure="county_hazards-general_found"]').click();
  await list.getByTestId('figure-item').click();
  await expect(page).toHaveURL(new RegExp(`${hazardPath}$`));
  await expect(page.locator('#hz-desc')).toHaveValue('浇铸区安全通道堆放杂物');

  await page.goto('/dashboard');
  const county = page.locator('[data-testid="dash-county"][data-county="140902"]');
  await expect(county.getByTestId('dash-found')).toHaveText('1');
  await expect(county.getByTestId('dash-rectified')).toHaveText('0');
  await expect(county.getByTestId('dash-major-open')).toHaveText('0');
  await expect(page.locator('[data-testid="dash-county"][data-county="140981"]').getByTestId('dash-found')).toHaveText('0');
  await expect(page.getByTestId('dash-total')).toContainText('1发现隐患');
  await expect(page.getByTestId('dash-trend')).toContainText('3月14日');
  await context.setOffline(false);
});

test('附件3: a short plan fails its rules, a good one passes and is kept (offline)', async ({ page, context }) => {
  await installApp(page);
  await context.setOffline(true);
  for (let i = 1; i <= 5; i++) await newEnterprise(page, `原平交叉测试企业${i}`, '140981');

  await page.goto('/cross');
  await expect(page.locator('#cross-pair')).toHaveValue('0'); // 1. 忻府区 → 原平市
  await expect(page.getByTestId('cross-failed')).toBeVisible();
  await expect(page.getByTestId('cross-issues')).toContainText('抽检企业不少于5家，当前0家');
  const picks = page.getByTestId('cross-ent');
  await expect(picks).toHaveCount(5);
  for (let i = 0; i < 5; i++) await picks.nth(i).locator('input').check();
  await page.locator('#cross-start').fill('2025-03-10');
  await page.locator('#cross-end').fill('2025-03-11');
  await expect(page.getByTestId('cross-issues')).toContainText('检查时间不少于3天，当前安排2天');
  await expect(page.getByTestId('cross-issues')).not.toContainText('抽检企业不少于');
  await page.locator('#cross-end').fill('2025-03-12');
  await expect(page.getByTestId('cross-ok')).toBeVisible();
  await expect(page.getByTestId('cross-issue')).toHaveCount(0);
  await expect(page.getByTestId('cross-facts')).toContainText('检查3天；已选5家企业，其中中小企业5家（100%）');
  await expect(page.getByTestId('cross-saved')).toHaveText('计划已保存在本机');

  // Kept on the device: after a reload the plan and its verdict are back.
  await page.reload();
  await expect(page.locator('#cross-end')).toHaveValue('2025-03-12');
  await expect(page.getByTestId('cross-ok')).toBeVisible();
  // Another pair has its own (empty) plan.
  await page.locator('#cross-pair').selectOption('1');
  await expect(page.getByTestId('cross-failed')).toBeVisible();
  await expect(page.getByTestId('annex4')).toContainText('定襄县');
  await context.setOffline(false);
});

test('附件2 downloads as .xlsx when online and signed in; offline and signed out say what to do', async ({ page, context }) => {
  await installApp(page);
  await page.goto('/reports');
  await page.getByTestId('download-annex2').click();
  await expect(page.getByTestId('download-error')).toContainText('尚未登录');

  await login(page);

  await page.goto('/reports');
  await page.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-annex2').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
  expect(download.suggestedFilename()).toContain('附件2');
  const file = await download.path();
  const head = fs.readFileSync(file).subarray(0, 2).toString('latin1');
  expect(head).toBe('PK');
  await expect(page.getByTestId('download-status')).toContainText('已下载');

  // 附件1: the county's own text row goes into the file too (nothing retyped in Excel).
  const words = `召开专项整治推进会 ${Date.now()}`;
  await page.getByLabel('部署推进').fill(words);
  await page.getByLabel('部署推进').blur();
  const [annex1] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-annex1').click(),
  ]);
  expect(annex1.suggestedFilename()).toContain('附件1');
  const strings = execFileSync('python3', ['-c',
    'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("xl/sharedStrings.xml").decode())',
    await annex1.path()]).toString();
  expect(strings).toContain(words);

  await context.setOffline(true);
  await page.getByTestId('download-annex1').click();
  await expect(page.getByTestId('download-error')).toContainText('联网并登录后再下载');
  // The on-screen tables still work offline.
  await expect(page.getByTestId('annex1')).toBeVisible();
  await context.setOffline(false);
});
