// One stored record that does not read (an older bug, a hand edit, a bad body synced down) never
// blanks the app: every screen shows all the other records, one notice says how many rows were
// skipped, lists them (查看) and saves them as a file (导出) for an administrator to repair.
const fs = require('node:fs');
const { test, expect } = require('@playwright/test');
const { installApp } = require('./helpers');

const BAD_HAZARD = '0190f0f0-0000-7000-8000-00000000bad1';
const BAD_ENTERPRISE = '0190f0f0-0000-7000-8000-00000000bad2';

async function newEnterprise(page, name) {
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-county').selectOption('140981'); // 原平市
  await page.locator('#ent-leader').fill('郝厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  await expect(page.getByTestId('enterprise-list').or(confirm)).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
}

/** Every row of the `records` store, or `put`s the given rows, straight in IndexedDB. */
async function rows(page, put) {
  return page.evaluate(async (put) => {
    const db = await new Promise((res, rej) => { const r = indexedDB.open('yinhuan'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const tx = db.transaction('records', put ? 'readwrite' : 'readonly');
    const store = tx.objectStore('records');
    let out = null;
    if (put) for (const row of put) store.put(row);
    else out = await new Promise((res, rej) => { const r = store.getAll(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    await new Promise((res, rej) => { tx.oncomplete = res; tx.onerror = () => rej(tx.error); tx.onabort = () => rej(tx.error); });
    db.close();
    return out;
  }, put || null);
}

test('a record that cannot be read is skipped everywhere, counted once, listed and exported', async ({ page }) => {
  await installApp(page);
  await newEnterprise(page, '原平可读测试铸造厂');
  await newEnterprise(page, '原平可读测试轧钢厂');
  await page.getByTestId('enterprise-list').locator('li', { hasText: '原平可读测试铸造厂' })
    .getByRole('link', { name: '开始检查' }).click();
  await page.locator('#insp-unit').fill('原平市应急管理局');
  await page.locator('#insp-people').fill('吴检查');
  await page.locator('#insp-date').fill('2025-03-10');
  await page.getByTestId('start-inspection').click();
  await expect(page.getByTestId('add-hazard')).toBeVisible();
  const inspectionPath = new URL(page.url()).pathname;
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('浇铸区安全通道堆放杂物');
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
  await page.goto(inspectionPath);
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('熔炼炉冷却水管道无断水报警');
  await page.locator('label.chip', { hasText: '重大事故隐患' }).click();
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');

  // Two bad rows, written as a hand edit would: a hazard whose 序号 is text, and an enterprise
  // of an industry this app does not know. Copies of good rows otherwise.
  const stored = await rows(page);
  const hazardRow = stored.find((r) => r.kind === 'hazard');
  const entRow = stored.find((r) => r.kind === 'enterprise' && JSON.parse(r.body).name === '原平可读测试铸造厂');
  const hz = JSON.parse(hazardRow.body);
  hz.meta.id = BAD_HAZARD;
  hz.seq = 'x';
  hz.description = '这条隐患记录已损坏';
  const ent = JSON.parse(entRow.body);
  ent.meta.id = BAD_ENTERPRISE;
  ent.name = '原平损坏记录企业';
  ent.industry = 'unknown_industry';
  const bad = [
    { ...hazardRow, id: BAD_HAZARD, dirty: 0, body: JSON.stringify(hz) },
    { ...entRow, id: BAD_ENTERPRISE, dirty: 0, body: JSON.stringify(ent) },
  ];
  await rows(page, bad);
  await page.goto('/');
  await page.reload();

  const notice = page.getByTestId('unreadable-notice');
  const expectNotice = async () => {
    await expect(notice).toHaveCount(1);
    await expect(notice).toContainText('条记录无法读取，已跳过，其余记录可正常使用');
    await expect(page.getByTestId('unreadable-count')).toHaveText('2');
  };
  await expectNotice();

  // 企业: both good ones, not the bad one.
  await page.goto('/enterprises');
  const ents = page.getByTestId('enterprise-list').locator('li');
  await expect(ents).toHaveCount(2);
  await expect(page.getByTestId('enterprise-list')).toContainText('原平可读测试铸造厂');
  await expect(page.getByTestId('enterprise-list')).toContainText('原平可读测试轧钢厂');
  await expect(page.getByTestId('enterprise-list')).not.toContainText('原平损坏记录企业');
  await expectNotice();

  // 检查: the inspection with its two good hazards.
  await page.goto('/inspections');
  await expect(page.getByTestId('inspection-row')).toHaveCount(1);
  await expect(page.getByTestId('inspection-row')).toContainText('原平可读测试铸造厂');
  await expect(page.getByTestId('inspection-row')).toContainText('隐患 2 条');
  await expectNotice();

  // 隐患: both good hazards.
  await page.goto('/hazards');
  await expect(page.getByTestId('hazard-list').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('hazard-list')).toContainText('浇铸区安全通道堆放杂物');
  await expect(page.getByTestId('hazard-list')).toContainText('熔炼炉冷却水管道无断水报警');
  await expect(page.getByTestId('hazard-list')).not.toContainText('这条隐患记录已损坏');
  await expectNotice();
  // The bad one's own screen says it cannot be read; nothing else breaks.
  await page.goto(`/hazards/${BAD_HAZARD}`);
  await expect(page.getByText('本机记录无法读取').first()).toBeVisible();
  await expectNotice();

  // 附件5 of the inspection: the two good hazards.
  await page.goto(`${inspectionPath}/sheet`);
  await expect(page.getByTestId('sheet-row')).toHaveCount(2);
  await expect(page.getByTestId('sheet')).toContainText('浇铸区安全通道堆放杂物');
  await expect(page.getByTestId('sheet')).toContainText('熔炼炉冷却水管道无断水报警');

  // 报表: 附件1 counts the good records, 附件2 lists the major one.
  await page.goto('/reports');
  await page.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  await page.getByLabel('填报范围').selectOption({ label: '原平市' });
  await expect(page.getByTestId('annex1-row').nth(2)).toContainText('县级共检查1家企业，发现一般问题隐患1条，已整改0条；重大事故隐患1条，已整改0条');
  await expect(page.getByTestId('annex2-row')).toHaveCount(1);
  await expect(page.getByTestId('annex2-row')).toContainText('熔炼炉冷却水管道无断水报警');
  await expectNotice();

  // 工作台: the county's figures.
  await page.goto('/dashboard');
  const county = page.locator('[data-testid="dash-county"][data-county="140981"]');
  await expect(county.getByTestId('dash-found')).toHaveText('2');
  await expect(county.getByTestId('dash-major-open')).toHaveText('1');
  await expectNotice();

  // 交叉检查: 忻府区 → 原平市 offers both good enterprises, not the bad one.
  await page.goto('/cross');
  await expect(page.locator('#cross-pair')).toHaveValue('0');
  await expect(page.getByTestId('cross-ent')).toHaveCount(2);
  await expect(page.getByTestId('cross-enterprises')).not.toContainText('原平损坏记录企业');
  await expectNotice();

  // 查看: ids, kinds and why.
  await expect(page.getByTestId('unreadable-list')).toHaveCount(0);
  await notice.getByRole('button', { name: '查看' }).click();
  const list = page.getByTestId('unreadable-list');
  await expect(list.locator('li')).toHaveCount(2);
  await expect(list.locator('li', { hasText: BAD_HAZARD })).toContainText('隐患');
  await expect(list.locator('li', { hasText: BAD_HAZARD })).toContainText('invalid type');
  await expect(list.locator('li', { hasText: BAD_ENTERPRISE })).toContainText('企业');
  await expect(list.locator('li', { hasText: BAD_ENTERPRISE })).toContainText('unknown variant');
  await notice.getByRole('button', { name: '收起' }).click();
  await expect(list).toHaveCount(0);

  // 导出: the raw rows as stored, for repair (and re-import through 设置 once fixed).
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('unreadable-export').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/无法读取.*\.json$/);
  const file = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  expect(file.format).toBe('yinhuan-export');
  expect(file.records.map((r) => r.id).sort()).toEqual([BAD_HAZARD, BAD_ENTERPRISE].sort());
  for (const row of bad) {
    const out = file.records.find((r) => r.id === row.id);
    expect(out.body).toBe(row.body);
    expect(out.kind).toBe(row.kind);
    expect(out.updated_at).toBe(row.updated_at);
  }
  expect(file.unreadable.map((u) => u.id).sort()).toEqual([BAD_HAZARD, BAD_ENTERPRISE].sort());
  expect(file.unreadable.every((u) => u.error.length > 0)).toBe(true);

  // A good version overwrites the bad enterprise (as a pull from the server would): the next
  // time the list is read (same page, no reload) it shows and leaves the notice; the hazard is
  // still counted.
  ent.industry = JSON.parse(entRow.body).industry;
  ent.name = '原平修复后企业';
  await rows(page, [{ ...bad[1], body: JSON.stringify(ent) }]);
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '企业' }).click();
  await expect(page.getByTestId('enterprise-list').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('enterprise-list')).toContainText('原平修复后企业');
  await expect(page.getByTestId('unreadable-count')).toHaveText('1');
});
