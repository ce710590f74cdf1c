// The inspector's day, offline: enterprise → inspection → checklist → hazards with photos →
// signatures → 附件5; everything survives a reload, photo bytes match their SHA-256 keys.
const { test, expect } = require('@playwright/test');
const { installApp, makeJpeg, storedPhotos, drawSignature } = require('./helpers');

test.setTimeout(180_000);

test('a whole inspection is captured offline and survives reload', async ({ page, context }) => {
  await installApp(page);
  const jpeg = await makeJpeg(page);
  await context.grantPermissions(['geolocation']);
  await context.setGeolocation({ latitude: 38.4168, longitude: 112.7341, accuracy: 12 });

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('net-badge')).toContainText('离线');

  // The inspector's defaults.
  await page.getByRole('link', { name: '设置' }).click();
  await page.locator('#me-name').fill('王检查');
  await page.locator('#me-unit').fill('忻府区应急管理局');
  await page.getByRole('button', { name: '保存' }).first().click();

  // A new enterprise; a bad credit code is refused with a clear message and nothing saved.
  await page.getByRole('link', { name: '企业' }).click();
  await page.getByRole('link', { name: '新增企业' }).click();
  await page.locator('#ent-name').fill('忻州市宏达钢铁有限公司');
  await page.locator('#ent-code').fill('91440300192203821');
  await page.getByTestId('save-enterprise').click();
  await expect(page.getByText('18')).toBeVisible();
  await expect(page.getByText('请先改正上面标红的项目')).toBeVisible();
  await page.locator('#ent-code').fill('914403001922038216');
  await page.locator('#ent-county').selectOption('140902');
  await page.locator('#ent-industry').selectOption('冶金');
  await page.getByLabel('钢铁', { exact: true }).check();
  await page.getByLabel('规上').check();
  await page.locator('#ent-leader').fill('李厂长');
  await page.locator('#ent-phone').fill('13912345678');
  await page.getByTestId('save-enterprise').click();
  await expect(page.getByTestId('enterprise-list')).toContainText('忻州市宏达钢铁有限公司');

  // Pinyin-initials search.
  await page.getByLabel('查找企业').fill('hdgt');
  await expect(page.getByTestId('enterprise-list')).toContainText('宏达钢铁');
  await page.getByLabel('查找企业').fill('zzz');
  await expect(page.getByTestId('enterprise-list')).not.toContainText('宏达钢铁');
  await page.getByLabel('查找企业').fill('');

  // Start an inspection: unit and inspector come from 设置, modules from the enterprise's tags.
  await page.getByRole('link', { name: '开始检查' }).first().click();
  await expect(page.locator('#insp-unit')).toHaveValue('忻府区应急管理局');
  await expect(page.locator('#insp-people')).toHaveValue('王检查');
  await page.locator('#insp-people').fill('王检查、赵专家');
  // Within the bundled campaign (2024-12-11 … 2025-03-31), so the annexes count it.
  await page.locator('#insp-date').fill('2025-03-12');
  await page.getByTestId('start-inspection').click();
  await expect(page.getByTestId('checklist')).toContainText('忻州市宏达钢铁有限公司');

  // Answer: the first item 符合, a 10号令 冶金 item 不符合 → a hazard pre-filled as 重大事故隐患.
  const items = page.locator('li.item');
  await items.first().getByRole('button', { name: '符合', exact: true }).click();
  await expect(page.getByTestId('total-progress')).toContainText('已检查 1/');
  await page.locator('li.item[data-item="art4.2"]').getByRole('button', { name: '不符合' }).click();
  await expect(page.getByTestId('hazard-form')).toBeVisible();
  await expect(page.getByTestId('basis-text')).toHaveText('《工贸企业重大事故隐患判定标准》第四条（二）');
  await expect(page.getByLabel('重大事故隐患')).toBeChecked();
  await page.locator('#hz-desc').fill('炼钢车间炉下渣坑存在积水');
  await page.getByTestId('photo-camera-input').setInputFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await expect(page.locator('.thumb')).toHaveCount(1, { timeout: 30_000 });
  await page.locator('#hz-person').fill('李厂长');
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
  await page.getByRole('link', { name: '完成，返回检查表' }).click();

  // A hazard not tied to a checklist item, with a gallery photo and a free-text basis.
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('配电室门口堆放杂物，影响应急通道');
  await page.locator('#hz-basis').selectOption('__free__');
  await page.getByLabel('判定依据（手写）').fill('《安全生产法》第四十一条');
  await page.getByTestId('photo-gallery-input').setInputFiles({ name: 'gallery.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await expect(page.locator('.thumb')).toHaveCount(1, { timeout: 30_000 });
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');

  // A non-image is refused with a clear Chinese message and changes nothing.
  await page.getByTestId('photo-gallery-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') });
  await expect(page.getByText('无法读取这张图片')).toBeVisible();
  await expect(page.locator('.thumb')).toHaveCount(1);
  await page.getByRole('link', { name: '完成，返回检查表' }).click();

  // 附件5: two rows, sign on site, list locks.
  await page.getByRole('link', { name: '附件5 清单与签字' }).click();
  await expect(page.getByTestId('sheet-row')).toHaveCount(2);
  await expect(page.getByTestId('sheet-enterprise')).toHaveText('忻州市宏达钢铁有限公司');
  await page.getByTestId('sign-inspector').click();
  await drawSignature(page);
  await page.getByTestId('signature-confirm').click();
  await expect(page.getByTestId('sig-inspector')).toBeVisible();
  await page.getByTestId('sign-enterprise').click();
  await drawSignature(page, 2);
  await page.getByTestId('signature-confirm').click();
  await expect(page.getByTestId('frozen')).toBeVisible();

  // Reload, still offline: everything is still there.
  await page.reload();
  await expect(page.getByTestId('sheet-row')).toHaveCount(2);
  const rows = page.getByTestId('sheet-row');
  await expect(rows.nth(0)).toContainText('炼钢车间炉下渣坑存在积水');
  await expect(rows.nth(0)).toContainText('重大事故隐患');
  await expect(rows.nth(0)).toContainText('第四条（二）');
  await expect(rows.nth(1)).toContainText('《安全生产法》第四十一条');
  await expect(rows.nth(1)).toContainText('一般隐患');
  await expect(page.locator('.sheet-photo')).toHaveCount(2);
  await expect(page.getByTestId('sig-inspector')).toBeVisible();
  await expect(page.getByTestId('sig-enterprise')).toBeVisible();
  await expect(page.getByTestId('frozen')).toBeVisible();
  // Images actually decode (not broken object URLs).
  const decoded = await page.locator('.sheet-photo').evaluateAll((imgs) => imgs.map((i) => i.naturalWidth));
  expect(decoded.every((w) => w === 1600)).toBe(true);

  // Photo bytes: keyed by their SHA-256, downscaled to 1600 px, JPEG, sources kept.
  const photos = await storedPhotos(page);
  const evidence = photos.filter((p) => p.source !== 'signature');
  expect(evidence).toHaveLength(2);
  for (const p of photos) expect(p.sha).toBe(p.key);
  for (const p of evidence) {
    expect(p.type).toBe('image/jpeg');
    expect(Math.max(p.w, p.h)).toBe(1600);
    expect(p.bytes).toBeLessThan(400_000);
  }
  expect(evidence.map((p) => p.source).sort()).toEqual(['camera', 'gallery']);
  expect(photos.filter((p) => p.source === 'signature')).toHaveLength(2);

  // The office's tables come out of these records, not retyped (still offline).
  await page.getByRole('link', { name: '报表' }).click();
  await page.getByLabel('报送日期（周五）').selectOption('2025-03-14');
  await page.getByLabel('填报范围').selectOption({ label: '忻府区' });
  await expect(page.getByTestId('annex2-row')).toHaveCount(1);
  await expect(page.getByTestId('annex2-row')).toContainText('忻州市宏达钢铁有限公司');
  await expect(page.getByTestId('annex2-row')).toContainText('炼钢车间炉下渣坑存在积水');
  await expect(page.getByTestId('annex1-row').nth(2)).toContainText('县级共检查1家企业，发现一般问题隐患1条，已整改0条；重大事故隐患1条，已整改0条');
  await page.getByLabel('填报范围').selectOption({ label: '原平市' });
  await expect(page.getByTestId('annex2-row')).toHaveCount(0);

  // The home page lists no unfinished inspection (this one is signed).
  await page.getByRole('link', { name: '首页' }).click();
  await expect(page.getByTestId('drafts')).toContainText('没有未完成的检查');
  await context.setOffline(false);
});
