// The closed loop after the inspection: a 重大事故隐患 goes 待整改 → 整改中 → 待复查 → 已销号 on
// its 办理 page, every step kept in 办理记录, and the office's 附件2 and 附件1 follow the record.
const { test, expect } = require('@playwright/test');
const { installApp, freeBasis } = require('./helpers');

test('a major hazard is rectified, reviewed and closed; 附件2 and 附件1 follow', async ({ page }) => {
  await installApp(page);
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill('忻府闭环测试铸造厂');
  await page.locator('#ent-county').selectOption('140902');
  await page.locator('#ent-leader').fill('郝厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('enterprise-list')).toContainText('忻府闭环测试铸造厂');
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.locator('#insp-unit').fill('忻府区应急管理局');
  await page.locator('#insp-people').fill('吴检查');
  await page.locator('#insp-date').fill('2025-03-10');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('熔炼炉冷却水管道无断水报警');
  await freeBasis(page);
  await page.locator('label.chip', { hasText: '重大事故隐患' }).click();
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');

  // 办理: the 五落实 first; what is missing is said.
  await page.getByTestId('to-rectify').click();
  await expect(page.getByTestId('hazard-state')).toHaveText('待整改');
  await expect(page.getByTestId('five-missing')).toContainText('责任、措施、资金、时限、预案');
  await page.locator('#rf-unit').fill('铸造车间');
  await page.locator('#rf-person').fill('郝厂长');
  await page.locator('#rf-measures').fill('加装断水报警并与熔炼炉联锁');
  await page.locator('#rf-funds').fill('abc');
  await page.locator('#rf-funds').blur();
  await expect(page.getByRole('alert').first()).toBeVisible();
  await page.locator('#rf-funds').fill('2.5');
  await page.locator('#rf-deadline').fill('2025-03-20');
  await page.locator('#rf-plan').fill('整改期间停用2号炉');
  await page.locator('#rf-supervisor').fill('忻府区应急管理局');
  await page.locator('#rf-supervisor').blur();
  await expect(page.getByTestId('five-missing')).toHaveCount(0);

  // A review before the work is reported is not offered; the order is kept.
  await expect(page.getByTestId('record-review')).toHaveCount(0);
  await page.getByTestId('start-rectification').click();
  // The 时限 (2025-03-20) has long passed by the machine's clock: 逾期 is derived and shown.
  await expect(page.getByTestId('hazard-state')).toHaveText('整改中（逾期）');
  // A completion date before the hazard was found is refused, nothing changes.
  await page.locator('#rf-completed').fill('2025-03-01');
  await page.getByTestId('submit-review').click();
  await expect(page.getByTestId('rectify-error')).toContainText('不能早于发现日期');
  await expect(page.getByTestId('hazard-state')).toHaveText('整改中（逾期）');
  await page.locator('#rf-completed').fill('2025-03-12');
  await page.getByTestId('submit-review').click();
  await expect(page.getByTestId('hazard-state')).toHaveText(/^待复查/);

  // 复查 passed → 已销号, on the 17th (the Monday after the report of the 14th).
  await page.locator('#rv-person').fill('吴检查');
  await page.locator('#rv-unit').fill('忻府区应急管理局');
  await page.locator('#rv-date').fill('2025-03-17');
  await page.getByTestId('record-review').click();
  await expect(page.getByTestId('hazard-state')).toHaveText('已销号');
  await expect(page.getByTestId('closed-note')).toContainText('2025-03-17');
  await expect(page.getByTestId('history')).toContainText('待整改 → 整改中');
  await expect(page.getByTestId('history')).toContainText('待复查 → 已销号');
  await expect(page.getByTestId('history')).toContainText('复查 2025-03-17');
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');

  // After a reload the record is as it was left.
  await page.reload();
  await expect(page.getByTestId('hazard-state')).toHaveText('已销号');
  await expect(page.locator('#rf-measures')).toHaveValue('加装断水报警并与熔炼炉联锁');

  // The 隐患台账 filters by county and state, with the model's counts on top.
  await page.goto('/hazards');
  await page.getByTestId('filter-county').selectOption({ label: '忻府区' });
  await page.getByTestId('filter-state').selectOption('已销号');
  await expect(page.getByTestId('hazard-list')).toContainText('熔炼炉冷却水管道无断水报警');
  await expect(page.getByTestId('hazard-count')).toHaveText('共 1 条：重大事故隐患 1 条，未销号 0 条（逾期 0 条），已销号 1 条');
  await page.getByTestId('filter-state').selectOption('待整改');
  await expect(page.getByTestId('hazard-list')).not.toContainText('熔炼炉冷却水管道无断水报警');
  await page.getByTestId('filter-state').selectOption('已销号');
  await page.getByTestId('filter-county').selectOption({ label: '原平市' });
  await expect(page.getByTestId('hazard-count')).toContainText('共 0 条');

  // The office's tables. The report of the 14th: done on the 12th but not yet reviewed, so not
  // counted as rectified; the report of the 21st: 已完成 with the date, counted.
  await page.goto('/reports');
  await page.getByLabel('填报范围').selectOption({ label: '忻府区' });
  await page.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  const row = page.getByTestId('annex2-row').filter({ hasText: '忻府闭环测试铸造厂' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('待复查（2025年3月12日完成整改');
  await expect(row).toContainText('责任');
  await expect(row).toContainText('忻府区应急管理局');
  await expect(page.getByTestId('annex1-row').nth(2)).toContainText('重大事故隐患1条，已整改0条');
  await page.getByLabel('报送日期（周五）').selectOption('2025-03-21');
  await expect(row).toContainText('已完成，2025年3月12日完成整改');
  await expect(page.getByTestId('annex1-row').nth(2)).toContainText('重大事故隐患1条，已整改1条');
});
