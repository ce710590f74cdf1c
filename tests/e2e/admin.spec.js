// 管理 from the office, as a county would start the campaign: a 县级 administrator imports
// the county's roster from Excel (good and bad rows; the bad ones are shown, not imported),
// creates an inspector and an enterprise account with one-time passwords; the inspector signs
// in on a second device, replaces the password, and receives the imported enterprises by sync;
// the administrator sees that device's last sync, disables the account, and the inspector's
// next sync is refused with a clear message. Screenshots of the screens go to test-results/.
const { test, expect } = require('@playwright/test');
const { execFileSync } = require('node:child_process');
const { installApp, login, syncNow, serverBin } = require('./helpers');
const { xlsx } = require('./xlsx');
const { creditCode } = require('./creditcode');

test.setTimeout(240_000);

function addUser(name, ...args) {
  execFileSync(serverBin, ['user', 'add', name, ...args, '--password', 'pass-e2e-123', '--data', process.env.E2E_DATA_DIR], {
    stdio: 'pipe',
  });
}

const HEADERS = ['企业名称', '统一社会信用代码', '所在县（市、区）', '行业', '规模', '地址', '主要负责人', '联系电话', '风险标签'];

test('县级管理员: roster import, accounts, device sync seen, disable refuses the next sync', async ({ browser }) => {
  const stamp = Date.now();
  const serial = stamp % 1e7;
  const admin = `xadmin${stamp}`;
  const good1 = `忻府导入钢铁厂${stamp}`;
  const good2 = `忻府导入铸造厂${stamp}`;
  addUser(admin, '--role', 'county', '--county', '140902', '--name', '忻府区管理员', '--admin');

  const adminCtx = await browser.newContext();
  const a = await adminCtx.newPage();
  a.on('dialog', (d) => d.accept());
  await installApp(a);
  await login(a, admin, 'pass-e2e-123');

  // The roster: two good rows, a wrong check character, another county, a duplicate.
  const code1 = creditCode('140902', serial * 10 + 1);
  const code2 = creditCode('140902', serial * 10 + 2);
  const bad = code1.slice(0, 17) + (code1[17] === '0' ? '1' : '0');
  const file = xlsx([
    HEADERS,
    [good1, code1, '忻府区', '冶金', '规上', '忻府区开发区1号', '王厂长', '13800000001', ''],
    [good2, code2, '140902', '冶金', '中小微', '忻府区开发区2号', '李厂长', '13800000002', ''],
    [`校验位错误厂${stamp}`, bad, '忻府区', '冶金', '规上', '', '', '', ''],
    [`外县厂${stamp}`, creditCode('140921', serial * 10 + 3), '定襄县', '冶金', '规上', '', '', '', ''],
    [`重复厂${stamp}`, code1, '忻府区', '冶金', '规上', '', '', '', ''],
  ]);
  await a.getByRole('link', { name: '管理' }).click();
  await a.getByRole('link', { name: '企业名单导入' }).click();
  await a.getByTestId('roster-input').setInputFiles({
    name: '忻府区企业名单.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: file,
  });
  await expect(a.getByTestId('roster-counts')).toContainText('新增 2 家');
  await expect(a.getByTestId('roster-counts')).toContainText('有错误 3 行');
  const errors = a.getByTestId('roster-errors');
  await expect(errors).toContainText('统一社会信用代码');
  // The row whose 行号 cell is 6 (the duplicate): another row's message may contain a "6"
  // too (a computed check character), so the number is matched in its own cell.
  const row6 = errors.locator('tr').filter({ has: a.locator('td:first-child', { hasText: /^6$/ }) });
  await expect(row6).toContainText('第 2 行');
  await a.screenshot({ path: test.info().outputPath('roster-preview.png'), fullPage: true });
  await a.getByTestId('roster-commit').click();
  await expect(a.getByTestId('roster-done')).toContainText('新增 2 家');
  // The same file again changes nothing.
  await a.getByTestId('roster-input').setInputFiles({
    name: '忻府区企业名单.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: file,
  });
  await expect(a.getByTestId('roster-counts')).toContainText('新增 0 家，更新 0 家，无变化 2 家');
  await syncNow(a);

  // An inspector and an enterprise account; each gets a one-time password.
  await a.goto('/admin/new');
  await a.locator('#acc-username').fill(`insp${stamp}`);
  await a.locator('#acc-name').fill('忻府区检查员');
  await a.locator('#acc-role').selectOption('county');
  await a.locator('#acc-county').selectOption('140902');
  await a.screenshot({ path: test.info().outputPath('account-form.png'), fullPage: true });
  await a.getByTestId('save-account').click();
  const otp = (await a.getByTestId('one-time-password').innerText()).trim();
  expect(otp.length).toBeGreaterThanOrEqual(10);

  await a.goto('/admin/new');
  await a.locator('#acc-username').fill(`firm${stamp}`);
  await a.locator('#acc-name').fill('导入钢铁厂安全员');
  await a.locator('#acc-role').selectOption('enterprise');
  await a.locator('#acc-enterprise').selectOption({ label: `${good1}（忻府区）` });
  await a.getByTestId('save-account').click();
  await expect(a.getByTestId('one-time-password')).toBeVisible();

  // The inspector's own phone: the one-time password must be replaced before any sync.
  const inspCtx = await browser.newContext();
  const p = await inspCtx.newPage();
  await installApp(p);
  await login(p, `insp${stamp}`, otp);
  await expect(p.getByTestId('must-change')).toBeVisible();
  await p.locator('#pw-old').fill(otp);
  await p.locator('#pw-new').fill('new-pass-4567');
  await p.locator('#pw-again').fill('new-pass-4567');
  await p.getByTestId('change-password').click();
  await expect(p.getByTestId('must-change')).toBeHidden();
  await syncNow(p);
  await p.goto('/enterprises');
  await expect(p.getByTestId('enterprise-list')).toContainText(good1);
  await expect(p.getByTestId('enterprise-list')).toContainText(good2);

  // The office sees the inspector's device and its last sync.
  await a.goto('/admin');
  const card = a.locator(`[data-username="insp${stamp}"]`);
  await expect(card.getByTestId('device')).toContainText('上次同步');
  await expect(card.getByTestId('device')).toContainText('无待上传');
  await a.screenshot({ path: test.info().outputPath('accounts.png'), fullPage: true });

  // Disabled: the inspector's next sync is refused and says why.
  await card.getByRole('button', { name: '停用' }).click();
  await expect(a.getByTestId('admin-outcome')).toContainText('已停用');
  await expect(card).toContainText('已停用');
  await p.goto('/sync');
  await p.getByTestId('sync-now').click();
  await expect(p.getByTestId('sync-error')).toContainText('账号已停用');

  await adminCtx.close();
  await inspCtx.close();
});
