// 行政处罚 offline: a case recorded from an inspection's 附件5 page (一案双罚 + 停产整改) is
// auto-saved, survives a reload, and 附件1 row 5 counts it; a second case is deleted (tombstone)
// and drops out of the count again.
const { test, expect } = require('@playwright/test');
const { installApp } = require('./helpers');

test.setTimeout(120_000);

// Hand-computed from the one case kept: enterprise 3 万元, 郝厂长 0.5 万元, 停产整改.
const ROW5 = '处罚企业1家，合计处罚3万元，处罚企业主要负责人1人，合计处罚0.5万元；限期整改0家，停产整改1家，取缔关闭0家。';

async function row5(page, week) {
  await page.goto('/reports');
  await page.getByLabel('填报范围').selectOption({ label: '忻府区' });
  await page.getByLabel('报送日期（周五）').selectOption(week);
  return page.getByTestId('annex1-row').nth(4);
}

test('a penalty is recorded offline, kept, counted in 附件1 row 5, and deleted', async ({ page, context }) => {
  await installApp(page);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('net-badge')).toContainText('离线');

  // An enterprise in 忻府区 and an inspection of it.
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill('忻府处罚测试铸造厂');
  await page.locator('#ent-county').selectOption('140902');
  await page.locator('#ent-leader').fill('郝厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  if (await confirm.isVisible()) await confirm.click();
  await expect(page.getByTestId('enterprise-list')).toContainText('忻府处罚测试铸造厂');
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.locator('#insp-unit').fill('忻府区应急管理局');
  await page.locator('#insp-people').fill('吴检查');
  await page.locator('#insp-date').fill('2025-03-10');
  await page.getByTestId('start-inspection').click();
  await expect(page.getByTestId('checklist')).toContainText('忻府处罚测试铸造厂');

  // From 附件5: a new case, already on the device, opened at /penalties/:id.
  await page.getByRole('link', { name: '附件5 清单与签字' }).click();
  await page.getByTestId('record-penalty').click();
  await expect(page).toHaveURL(/\/penalties\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('penalty-form')).toBeVisible();
  await expect(page.getByTestId('penalty-enterprise')).toContainText('2025年3月10日');
  // 处罚单位 defaults to the inspecting office.
  await expect(page.locator('#pf-unit')).toHaveValue('忻府区应急管理局');
  await page.locator('#pf-date').fill('2025-03-12');
  await page.locator('#pf-number').fill('（忻府）应急罚〔2025〕7号');
  await page.locator('#pf-ent-fine').fill('3');
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
  await expect(page.getByTestId('penalty-summary')).toHaveText('罚款企业3万元');

  // A bad amount: the model's message, and the saved 3 万元 stays.
  await page.locator('#pf-ent-fine').fill('abc');
  await page.locator('#pf-ent-fine').blur();
  await expect(page.getByRole('alert').filter({ hasText: '金额请填写数字（单位：万元）' })).toBeVisible();
  await expect(page.getByTestId('penalty-summary')).toHaveText('罚款企业3万元');

  // 一案双罚: the enterprise and its 主要负责人 (pre-filled from the enterprise) on one case.
  await expect(page.getByTestId('double-penalty')).toHaveCount(0);
  await page.getByTestId('add-leader').click();
  await expect(page.locator('#pf-leader-name-0')).toHaveValue('郝厂长');
  await expect(page.getByText('请至少填写一项罚款或处罚措施')).toHaveCount(0);
  await page.locator('#pf-leader-fine-0').fill('0.5');
  await expect(page.getByTestId('double-penalty')).toContainText('一案双罚');
  // A second row added and removed again leaves the first untouched.
  await page.getByTestId('add-leader').click();
  await expect(page.getByTestId('leader-row')).toHaveCount(2);
  await expect(page.getByText('请填写被处罚主要负责人的姓名')).toBeVisible();
  await page.getByRole('button', { name: '删除第2人' }).click();
  await expect(page.getByTestId('leader-row')).toHaveCount(1);
  await expect(page.getByText('请填写被处罚主要负责人的姓名')).toHaveCount(0);
  await page.getByLabel('停产整改', { exact: true }).check();
  await page.locator('#pf-note').fill('现场检查发现熔炼炉冷却水无断水报警');
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
  await expect(page.getByTestId('penalty-summary')).toHaveText('罚款企业3万元；处罚主要负责人1人0.5万元（一案双罚）；停产整改');

  // Reload (still offline): everything as left; 'abc' was never saved.
  await page.reload();
  await expect(page.getByTestId('penalty-form')).toBeVisible();
  await expect(page.locator('#pf-date')).toHaveValue('2025-03-12');
  await expect(page.locator('#pf-unit')).toHaveValue('忻府区应急管理局');
  await expect(page.locator('#pf-number')).toHaveValue('（忻府）应急罚〔2025〕7号');
  await expect(page.locator('#pf-ent-fine')).toHaveValue('3');
  await expect(page.locator('#pf-leader-name-0')).toHaveValue('郝厂长');
  await expect(page.locator('#pf-leader-fine-0')).toHaveValue('0.5');
  await expect(page.getByLabel('停产整改', { exact: true })).toBeChecked();
  await expect(page.getByLabel('取缔关闭', { exact: true })).not.toBeChecked();
  await expect(page.locator('#pf-note')).toHaveValue('现场检查发现熔炼炉冷却水无断水报警');
  await expect(page.getByTestId('double-penalty')).toBeVisible();

  // Found again in the enterprise's list.
  await page.getByRole('link', { name: '完成', exact: true }).click();
  await expect(page.getByTestId('penalty-item')).toHaveCount(1);
  await expect(page.getByTestId('penalty-item')).toContainText('忻府处罚测试铸造厂 · 2025-03-12');
  await expect(page.getByTestId('penalty-item')).toContainText('（一案双罚）');

  // 附件1 row 5: counted for the week of the 14th, not the week before the case.
  let row = await row5(page, '2025-03-14');
  await expect(row).toContainText('行政处罚');
  await expect(row).toContainText(ROW5);
  await page.getByLabel('报送日期（周五）').selectOption('2025-03-07');
  await expect(row).toContainText('处罚企业0家，合计处罚0万元，处罚企业主要负责人0人');

  // A second case, begun from the enterprise's list: 取缔关闭 only, then deleted.
  await page.getByRole('link', { name: '企业', exact: true }).click();
  // The enterprise's own link (the desktop menu has a 行政处罚 too, for the list of all cases).
  await page.getByTestId('enterprise-list').getByRole('link', { name: '行政处罚', exact: true }).first().click();
  await page.getByTestId('new-penalty').click();
  await expect(page).toHaveURL(/\/penalties\/[0-9a-f-]{36}$/);
  // No inspection and no 设置 unit: the model asks for the 处罚单位.
  await expect(page.getByText('请填写处罚单位')).toBeVisible();
  await page.locator('#pf-unit').fill('忻府区应急管理局');
  await expect(page.getByText('请填写处罚单位')).toHaveCount(0);
  await page.locator('#pf-date').fill('2025-03-13');
  await page.getByLabel('取缔关闭', { exact: true }).check();
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
  const url = page.url();
  row = await row5(page, '2025-03-14');
  await expect(row).toContainText('处罚企业1家，合计处罚3万元，处罚企业主要负责人1人，合计处罚0.5万元；限期整改0家，停产整改1家，取缔关闭1家。');

  await page.goto(url);
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: '删除此处罚记录' }).click();
  await expect(page.getByTestId('penalty-count')).toHaveText('共 1 件');
  await expect(page.getByTestId('penalty-item')).toContainText('停产整改');
  // The tombstone stays deleted after a reload, and the link to it says it is gone.
  await page.goto(url);
  await expect(page.getByText('找不到该行政处罚记录')).toBeVisible();
  row = await row5(page, '2025-03-14');
  await expect(row).toContainText(ROW5);
});
