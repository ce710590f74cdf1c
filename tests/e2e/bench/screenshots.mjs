// Screenshots of the main screens at phone (375×812) and desktop (1280×800) size, for the
// README and for checking the layout by eye (the server must run with --demo). The office screens (附件1, 附件2, 工作台, 交叉检查)
// get records dated inside the campaign (2025-03), as the reports only count those. Usage: node screenshots.mjs <baseURL> <outDir>
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const [base, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function seed(page) {
  await page.goto(base + '/settings');
  await page.locator('#me-name').fill('王检查');
  await page.locator('#me-unit').fill('忻府区应急管理局');
  await page.getByRole('button', { name: '保存' }).first().click();
  await page.goto(base + '/enterprises/new');
  await page.locator('#ent-name').fill('忻州市宏达钢铁有限公司');
  await page.locator('#ent-code').fill('914403001922038216');
  await page.locator('#ent-county').selectOption('140902');
  await page.getByLabel('钢铁', { exact: true }).check();
  await page.getByLabel('规上').check();
  await page.locator('#ent-leader').fill('李厂长');
  await page.getByTestId('save-enterprise').click();
  await page.getByTestId('enterprise-list').waitFor();
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('checklist').waitFor();
  await page.locator('li.item').first().getByRole('button', { name: '符合', exact: true }).click();
  await page.locator('li.item[data-item="art4.2"]').getByRole('button', { name: '不符合' }).click();
  await page.getByTestId('hazard-form').waitFor();
  await page.locator('#hz-desc').fill('炼钢车间炉下渣坑存在积水');
  const jpeg = await page.evaluate(async () => {
    const c = document.createElement('canvas'); c.width = 2000; c.height = 1500;
    const g = c.getContext('2d'); const gr = g.createLinearGradient(0, 0, 2000, 1500);
    gr.addColorStop(0, '#6b4a2b'); gr.addColorStop(1, '#2a4a6a'); g.fillStyle = gr; g.fillRect(0, 0, 2000, 1500);
    const b = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.9));
    return Array.from(new Uint8Array(await b.arrayBuffer()));
  });
  await page.getByTestId('photo-camera-input').setInputFiles({ name: 'a.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(jpeg) });
  await page.locator('.thumb').first().waitFor();
  await page.locator('#hz-person').fill('李厂长');
  await page.waitForTimeout(300);
}

// A county inspection during the campaign with one major and one general hazard, so 附件1,
// 附件2 and the 工作台 have numbers to show.
async function seedOffice(page) {
  await page.goto(base + '/enterprises/new');
  await page.locator('#ent-name').fill('忻州市鑫源铝业有限公司');
  await page.locator('#ent-county').selectOption('140902');
  await page.getByLabel('铝加工（深井铸造）', { exact: true }).check();
  await page.locator('#ent-leader').fill('赵厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  await page.getByTestId('enterprise-list').or(confirm).waitFor();
  if (await confirm.isVisible()) await confirm.click();
  await page.getByTestId('enterprise-list').waitFor();
  await page.getByTestId('enterprise-list').locator('.list-item', { hasText: '鑫源铝业' })
    .getByRole('link', { name: '开始检查' }).click();
  await page.locator('#insp-unit').fill('忻府区应急管理局');
  await page.locator('#insp-people').fill('王检查、吴检查');
  await page.locator('#insp-date').fill('2025-03-10');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('checklist').waitFor();
  const checklist = page.url();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('深井铸造冷却水系统未设置紧急排放通道');
  await page.locator('label.chip', { hasText: '重大事故隐患' }).click();
  await page.getByTestId('save-status').filter({ hasText: '已保存在本机' }).waitFor();
  await page.goto(checklist);
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('熔炼车间安全出口标志缺失');
  await page.getByTestId('save-status').filter({ hasText: '已保存在本机' }).waitFor();
  // A 原平市 enterprise in the 开发区, for the 交叉检查 plan (忻府区 → 原平市).
  await page.goto(base + '/enterprises/new');
  await page.locator('#ent-name').fill('原平市恒达铸造有限公司');
  await page.locator('#ent-county').selectOption('140981');
  await page.locator('#ent-zone').selectOption('yuanping-etdz');
  await page.getByLabel('粉尘涉爆', { exact: true }).check();
  await page.locator('#ent-leader').fill('孙厂长');
  await page.getByTestId('save-enterprise').click();
  await page.getByTestId('enterprise-list').or(confirm).waitFor();
  if (await confirm.isVisible()) await confirm.click();
  await page.getByTestId('enterprise-list').waitFor();
}

// Full-page shots: the fixed header and tab bar would otherwise be painted mid-page.
const unpin = '.topbar, .tabbar { position: static !important; }';

for (const [label, viewport] of [['phone', { width: 375, height: 812 }], ['desktop', { width: 1280, height: 800 }]]) {
  // bypassCSP: the full-page shots inject a style (unpinning the bars) that the app's own CSP forbids.
  const context = await browser.newContext({ viewport, deviceScaleFactor: label === 'phone' ? 2 : 1, bypassCSP: true });
  const page = await context.newPage();
  await seed(page);
  const hazardUrl = page.url();
  await page.screenshot({ path: `${out}/${label}-hazard.png`, fullPage: false });
  await page.getByRole('link', { name: '完成，返回检查表' }).click();
  await page.getByTestId('checklist').waitFor();
  await page.screenshot({ path: `${out}/${label}-checklist.png` });
  await page.getByRole('link', { name: '附件5 清单与签字' }).click();
  await page.getByTestId('sheet').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${label}-sheet.png` });
  await page.goto(base + '/enterprises');
  await page.getByTestId('enterprise-list').waitFor();
  await page.screenshot({ path: `${out}/${label}-enterprises.png` });
  await page.goto(base + '/enterprises/new');
  await page.getByTestId('enterprise-form').waitFor();
  await page.screenshot({ path: `${out}/${label}-enterprise-form.png` });
  await page.goto(base + '/');
  await page.getByTestId('drafts').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${label}-home.png` });
  void hazardUrl;

  await seedOffice(page);
  await page.goto(base + '/reports');
  await page.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  await page.getByTestId('annex1').waitFor();
  // One figure opened, to show the records behind it.
  await page.getByTestId('annex1-row').nth(2).locator('[data-figure="county_hazards-major_found"]').click();
  await page.getByTestId('figure-list').waitFor();
  await page.addStyleTag({ content: unpin });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${label}-weekly.png`, fullPage: true });
  await page.getByTestId('annex2').scrollIntoViewIfNeeded();
  await page.getByTestId('annex2').screenshot({ path: `${out}/${label}-ledger.png` });
  await page.goto(base + '/dashboard');
  await page.getByTestId('dashboard').waitFor();
  await page.addStyleTag({ content: unpin });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${label}-dashboard.png`, fullPage: true });
  await page.goto(base + '/cross');
  await page.getByTestId('cross-plan').waitFor();
  await page.getByTestId('cross-ent').first().locator('input').check();
  await page.addStyleTag({ content: unpin });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/${label}-cross.png`, fullPage: true });
  // 更多 and 管理 show their office entries to a signed-in office account (serve --demo).
  await page.goto(base + '/sync');
  await page.locator('#login-user').fill('demo');
  await page.locator('#login-pass').fill('demo1234');
  await page.getByTestId('login').click();
  await page.getByText('已登录').waitFor();
  await page.goto(base + '/more');
  await page.getByTestId('more-admin').waitFor();
  await page.screenshot({ path: `${out}/${label}-more.png` });
  await page.goto(base + '/admin');
  await page.getByTestId('account').first().waitFor();
  await page.addStyleTag({ content: unpin });
  await page.screenshot({ path: `${out}/${label}-admin.png`, fullPage: true });
  await context.close();
}
await browser.close();
console.log(`screenshots written to ${out}`);
