// The 隐患台账 with more hazards than one page: 50 rows at a time (显示更多 adds the next 50), the
// counts over all of them once all are read, and the search over all of them, not just the page.
const { test, expect } = require('@playwright/test');
const { installApp } = require('./helpers');

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

test('120 hazards: one page of rows at a time, counts and search over all of them', async ({ page }) => {
  await installApp(page);
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill('忻府台账测试钢铁厂');
  await page.locator('#ent-county').selectOption('140902'); // 忻府区
  await page.locator('#ent-leader').fill('郝厂长');
  await page.getByTestId('save-enterprise').click();
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  await expect(page.getByTestId('enterprise-list').or(confirm)).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await page.getByTestId('enterprise-list').locator('li', { hasText: '忻府台账测试钢铁厂' })
    .getByRole('link', { name: '开始检查' }).click();
  await page.locator('#insp-unit').fill('忻府区应急管理局');
  await page.locator('#insp-people').fill('吴检查');
  await page.locator('#insp-date').fill('2025-03-10');
  await page.getByTestId('start-inspection').click();
  await page.getByTestId('add-hazard').click();
  await page.locator('#hz-desc').fill('第0处：原件');
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');

  // 119 more like it, 第1处 … 第119处, every 4th 重大事故隐患, written straight into the store.
  const hazard = (await rows(page)).find((r) => r.kind === 'hazard');
  const more = [];
  for (let n = 1; n < 120; n++) {
    const h = JSON.parse(hazard.body);
    h.meta.id = `0190f0f1-0000-7000-8000-${String(n).padStart(12, '0')}`;
    h.seq = n + 1;
    h.description = `第${n}处：除尘器未设置泄爆装置`;
    h.kind = n % 4 === 0 ? 'major' : 'general';
    more.push({ ...hazard, id: h.meta.id, body: JSON.stringify(h) });
  }
  await rows(page, more);

  await page.goto('/hazards');
  const list = page.getByTestId('hazard-list').locator('li');
  await expect(page.getByTestId('hazard-count')).toHaveText('共 120 条：重大事故隐患 29 条，未销号 120 条（逾期 0 条），已销号 0 条');
  await expect(list).toHaveCount(50);
  // The store's order (by id): the written ones first, 第1处 on top.
  await expect(list.first()).toContainText('第1处：除尘器未设置泄爆装置');
  await expect(list.first()).toContainText('忻府台账测试钢铁厂 · 一般隐患 · 待整改');
  await page.getByTestId('hazard-more').click();
  await expect(list).toHaveCount(100);
  await expect(page.getByTestId('hazard-more')).toHaveText('显示更多（还有 20 条）');
  await page.getByTestId('hazard-more').click();
  await expect(list).toHaveCount(120);
  await expect(page.getByTestId('hazard-more')).toHaveCount(0);
  await expect(page.getByTestId('hazard-list')).toContainText('第0处：原件');

  // The search runs over all 120 (第11处 and 第110处 … 第119处), back to one page.
  await page.getByLabel('查找隐患').fill('第11');
  await expect(page.getByTestId('hazard-count')).toContainText('共 11 条');
  await expect(list).toHaveCount(11);
  await page.getByLabel('查找隐患').fill('泄爆');
  await expect(page.getByTestId('hazard-count')).toContainText('共 119 条：重大事故隐患 29 条');
  await expect(list).toHaveCount(50);
  await page.getByLabel('隐患类型').selectOption('major');
  await expect(page.getByTestId('hazard-count')).toContainText('共 29 条');
  await expect(list).toHaveCount(29);
});
