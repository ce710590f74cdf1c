// A record the server refuses stays on the device, shows on 同步 with the server's Chinese
// message and a way to open it; fixed there, it syncs. The record here is what an older app
// version wrote: an enterprise whose 统一社会信用代码 fails its check character, saved without a
// person's confirmation (today's model refuses that on the server and in the form).
const { test, expect } = require('@playwright/test');
const { installApp, login, syncNow } = require('./helpers');

/** Rewrites a record row in IndexedDB as an older app would have left it: dirty, edited. */
async function editStoredRow(page, name, edit) {
  return page.evaluate(async ([name, edit]) => {
    const db = await new Promise((res, rej) => { const r = indexedDB.open('yinhuan'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const rows = await new Promise((res, rej) => {
      const r = db.transaction('records').objectStore('records').getAll();
      r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
    });
    const row = rows.find((r) => r.kind === 'enterprise' && JSON.parse(r.body).name === name);
    const body = JSON.parse(row.body);
    Object.assign(body, edit);
    delete body.credit_code_confirmed;
    delete body.meta.schema;
    body.meta.dirty = true;
    body.meta.updated_at += 1000;
    row.body = JSON.stringify(body);
    row.dirty = 1;
    row.updated_at = body.meta.updated_at;
    await new Promise((res, rej) => {
      const tx = db.transaction('records', 'readwrite');
      tx.objectStore('records').put(row);
      tx.oncomplete = res; tx.onerror = () => rej(tx.error);
    });
    db.close();
    return row.id;
  }, [name, edit]);
}

test('a refused record shows on 同步 with the server message, is fixed on its form, and syncs', async ({ page }) => {
  const name = `保德县拒收测试铸造厂 ${Date.now()}`;
  await installApp(page);
  await login(page);
  await page.goto('/enterprises/new');
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-code').fill('914403001922038216');
  await page.locator('#ent-county').selectOption({ label: '保德县' });
  await page.locator('#ent-leader').fill('钱厂长');
  await page.getByTestId('save-enterprise').click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
  await syncNow(page);

  const id = await editStoredRow(page, name, { credit_code: '914403001922038217' });
  await page.goto('/sync');
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toHaveText('立即同步', { timeout: 60_000 });
  // Refused, named, kept: the message is the server's, in Chinese, naming the field.
  const card = page.getByTestId('refused-list').getByTestId('refused');
  await expect(card).toHaveCount(1);
  await expect(card.getByTestId('refused-message')).toContainText('统一社会信用代码');
  await expect(card.getByTestId('refused-message')).toContainText('校验码');
  await expect(card).toContainText(id);
  await expect(page.getByTestId('pending-records')).toHaveText('1');
  await expect(page.getByTestId('needs-attention')).toContainText('1');

  // Open it, confirm the code against the licence, save: it syncs and the refusal is gone.
  await card.getByTestId('refused-open').click();
  await expect(page.locator('#ent-code')).toHaveValue('914403001922038217');
  await page.getByTestId('save-enterprise').click();
  // The form refuses it too (same model rule) and offers the confirmation.
  await expect(page.locator('.field-msg.error').filter({ hasText: '校验码不符' })).toBeVisible();
  await expect(page.getByTestId('credit-code-confirmed')).not.toBeChecked();
  await page.getByTestId('credit-code-confirmed').check();
  await page.getByTestId('save-enterprise').click();
  await expect(page.getByTestId('save-enterprise')).toHaveText('已核对，确认保存');
  await page.getByTestId('save-enterprise').click();
  await expect(page.getByTestId('enterprise-list')).toContainText(name);
  await syncNow(page);
  await expect(page.getByTestId('refused-list')).toHaveCount(0);
  await expect(page.getByTestId('needs-attention')).toContainText('0');

  // The server holds the confirmed code, in today's schema.
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('yinhuan.session') || 'null')?.token);
  const res = await page.request.get(`/api/records/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status()).toBe(200);
  const rec = await res.json();
  expect(rec.body.credit_code).toBe('914403001922038217');
  expect(rec.body.credit_code_confirmed).toBe(true);
  expect(rec.body.meta.schema).toBe(2);
});
