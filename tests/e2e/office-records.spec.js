// Office records synced (issue 11 item 3): two 县级 clerks of the same county edit the same
// week's 附件1 text on two devices, one row 6 and the other row 7; after syncing, both devices
// show both rows (the derived id makes it one record; the merge keeps each side's row). The
// city sees the county's text under the county's name on its 全市 附件1, and its .xlsx download
// carries it there too. Accounts are made with the server's own `user add` command.
const { test, expect } = require('@playwright/test');
const { execFileSync } = require('node:child_process');
const { installApp, login, syncNow, serverBin } = require('./helpers');

test.setTimeout(240_000);

const WEEK = '2025-03-14';
const PASS = 'pass-e2e-123';

function addUser(name, ...args) {
  execFileSync(serverBin, ['user', 'add', name, ...args, '--password', PASS, '--data', process.env.E2E_DATA_DIR], {
    stdio: 'pipe',
  });
}

/** The bodies of the weekly notes stored in this page's IndexedDB, as one string. */
async function storedNotes(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('yinhuan');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const all = db.transaction('records', 'readonly').objectStore('records').index('kind').getAll('weekly_note');
      all.onsuccess = () => { resolve(all.result.map((r) => r.body).join('\n')); db.close(); };
      all.onerror = () => reject(all.error);
    };
  }));
}

async function openWeek(page) {
  await page.goto('/reports');
  await page.getByLabel('报送日期（周五）').selectOption(WEEK);
  await expect(page.getByTestId('annex1')).toBeVisible();
}

/** Types a text row on the 报表 screen and waits until it is stored on the device. */
async function writeRow(page, seq, text) {
  const box = page.getByTestId(`note-row-${seq}`);
  await box.fill(text);
  await box.blur();
  await expect.poll(() => storedNotes(page), { timeout: 15_000 }).toContain(text);
}

test('two clerks edit the same week: both rows kept; the city sees them under the county', async ({ browser, request }) => {
  const stamp = Date.now();
  addUser(`xinfu_a_${stamp}`, '--role', 'county', '--county', '140902', '--name', '甲科员');
  addUser(`xinfu_b_${stamp}`, '--role', 'county', '--county', '140902', '--name', '乙科员');
  const row6 = `县融媒体报道专项行动2次 ${stamp}`;
  const row7 = `小微企业底数不清 ${stamp}`;

  const ctxA = await browser.newContext();
  const a = await ctxA.newPage();
  await installApp(a);
  await login(a, `xinfu_a_${stamp}`, PASS);
  const ctxB = await browser.newContext();
  const b = await ctxB.newPage();
  await installApp(b);
  await login(b, `xinfu_b_${stamp}`, PASS);

  // Both open this week's text before either has synced it: the same record on two devices.
  await openWeek(a);
  await expect(a.getByLabel('填报范围')).toHaveValue('140902');
  await openWeek(b);
  await writeRow(a, 6, row6);
  await syncNow(a);
  await writeRow(b, 7, row7);
  await syncNow(b); // conflict with A's version → merged field by field → pushed again
  await syncNow(a);

  for (const page of [a, b]) {
    await openWeek(page);
    await expect(page.getByTestId('note-row-6')).toHaveValue(row6);
    await expect(page.getByTestId('note-row-7')).toHaveValue(row7);
  }

  // The city (demo account): its 全市 附件1 shows the county's rows under 忻府区, read-only.
  const ctxC = await browser.newContext();
  const city = await ctxC.newPage();
  await installApp(city);
  await login(city);
  await syncNow(city);
  await openWeek(city);
  await expect(city.getByLabel('填报范围')).toHaveValue('city');
  const row6City = city.getByTestId('annex1-row').nth(5);
  await expect(row6City.locator('[data-testid="note-county"][data-county="忻府区"]')).toContainText(row6);
  await expect(row6City.getByTestId('note-row-6')).toHaveValue(''); // the city's own, still empty

  // …and the city's .xlsx carries it under the county's name.
  const signIn = await request.post('/api/login', { data: { username: 'demo', password: 'demo1234', device_id: 'e2e-office' } });
  const { token } = await signIn.json();
  const res = await request.get(`/api/reports/annex1.xlsx?date=${WEEK}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status()).toBe(200);
  const strings = execFileSync('python3', ['-c',
    'import io, sys, zipfile; print(zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())).read("xl/sharedStrings.xml").decode())'],
  { input: await res.body() }).toString();
  expect(strings).toContain(`【忻府区】${row6}`);
  expect(strings).toContain(`【忻府区】${row7}`);

  await ctxA.close();
  await ctxB.close();
  await ctxC.close();
});
