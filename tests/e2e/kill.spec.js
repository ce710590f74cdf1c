// Kill the server (SIGKILL) in the middle of a sync push and start it again on the same
// database: no record is lost and none is stored twice.
//
// The spec runs its own server (not playwright.config's webServer) so it can kill it. The
// fault is placed deterministically by intercepting POST /api/sync/push, never by timing:
//   1. the first batch reaches the server and is committed, then the server dies before the
//      answer gets back (the client must retry a batch the server already holds);
//   2. the first batch is answered, then the server dies before the second batch reaches it
//      (the connection is refused; the client must send the rest, and only the rest);
//   3. as 1, and the device edits a record the server already holds before the retry (the
//      retry is then a conflict with the device's own first version: the edit must win).
// After a restart on the same data dir the device syncs again; a pull as the demo user then
// shows every captured record exactly once, at the rev of its first and only write.
const { test, expect } = require('@playwright/test');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { serverBin, freeBasis } = require('./helpers');

const root = path.resolve(__dirname, '../..');
const PORT = Number(process.env.E2E_KILL_PORT || 8093);
const base = `http://127.0.0.1:${PORT}`;
// 2 enterprises + 2 inspections + 2×11 hazards = 26 records: two push batches (PUSH_BATCH = 25).
const HAZARDS_PER_INSPECTION = 11;
const PUSH_BATCH = 25;

test.setTimeout(120_000);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const alive = (child) => child.exitCode === null && child.signalCode === null;

async function healthy() {
  try {
    return (await fetch(`${base}/api/health`)).status === 200;
  } catch {
    return false;
  }
}

/** Starts the server on `dataDir` and waits until /api/health answers 200. */
async function startServer(dataDir) {
  // A leftover server on the port would answer the health check in our place.
  if (await healthy()) throw new Error(`port ${PORT} is already served; set E2E_KILL_PORT`);
  const child = spawn(serverBin,
    ['serve', '--demo', '--addr', `127.0.0.1:${PORT}`, '--dist', `${root}/dist`, '--data', dataDir],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  child.exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 30_000;
  while (!(await healthy())) {
    if (!alive(child)) throw new Error(`server exited at start:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not healthy after 30 s:\n${log}`);
    }
    await sleep(100);
  }
  return child;
}

/** SIGKILL: no shutdown hook, no flush; only what SQLite committed survives. */
async function killServer(child) {
  if (alive(child)) child.kill('SIGKILL');
  await child.exited;
}

// The server of the running test, killed after each test whatever happened.
let server = null;
let dataDir = null;
test.beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yinhuan-kill-'));
});
test.afterEach(async ({}, testInfo) => {
  if (server) await killServer(server);
  server = null;
  // Kept on failure: the SQLite file is the evidence.
  if (testInfo.status === testInfo.expectedStatus) fs.rmSync(dataDir, { recursive: true, force: true });
  else console.log(`kill.spec: data dir kept at ${dataDir}`);
});

/** helpers.installApp with the absolute URL of this spec's server. */
async function installApp(page) {
  await page.goto(`${base}/`);
  await expect(page.getByTestId('campaign')).toBeVisible();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    }
  });
}

async function login(page) {
  await page.goto(`${base}/sync`);
  await page.locator('#login-user').fill('demo');
  await page.locator('#login-pass').fill('demo1234');
  await page.getByTestId('login').click();
  await expect(page.getByText('已登录')).toBeVisible();
}

async function syncNow(page) {
  await page.goto(`${base}/sync`);
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-now')).toHaveText('立即同步', { timeout: 60_000 });
  await expect(page.getByTestId('pending-records')).toHaveText('0', { timeout: 60_000 });
  await expect(page.getByTestId('sync-error')).toHaveCount(0);
}

/** One enterprise, one inspection and one hazard per text, through the UI. */
async function captureInspection(page, name, county, texts) {
  await page.goto(`${base}/enterprises/new`);
  await page.locator('#ent-name').fill(name);
  await page.locator('#ent-county').selectOption({ label: county });
  await page.locator('#ent-leader').fill('王五');
  await page.getByTestId('save-enterprise').click();
  const list = page.getByTestId('enterprise-list');
  const confirm = page.getByRole('button', { name: '已核对，确认保存' });
  await expect(list.or(confirm)).toBeVisible();
  if (await confirm.isVisible()) await confirm.click();
  await expect(list).toContainText(name);
  await list.locator('li', { hasText: name }).getByRole('link', { name: '开始检查' }).click();
  await page.locator('#insp-unit').fill(`${county}应急管理局`);
  await page.locator('#insp-people').fill('检查员');
  await page.getByTestId('start-inspection').click();
  for (const [i, text] of texts.entries()) {
    // The checklist has loaded the hazards so far (the next one gets the next 序号).
    await expect(page.getByTestId('total-progress')).toContainText(`已记录隐患 ${i} 条`);
    await page.getByTestId('add-hazard').click();
    await expect(page.getByTestId('hazard-form')).toBeVisible();
    await page.locator('#hz-desc').fill(text);
    await freeBasis(page);
    await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');
    await page.getByTestId('hazard-form').getByRole('link', { name: `← ${name}` }).click();
  }
  await expect(page.getByTestId('total-progress')).toContainText(`已记录隐患 ${texts.length} 条`);
}

/** Captures the whole data set; returns the hazard texts. */
async function captureAll(page, tag) {
  const texts = [];
  for (const [name, county] of [[`代县断电测试厂${tag}`, '代县'], [`繁峙县断电测试厂${tag}`, '繁峙县']]) {
    const mine = [];
    for (let h = 1; h <= HAZARDS_PER_INSPECTION; h++) mine.push(`${name}：配电箱未接地 第${h}处`);
    await captureInspection(page, name, county, mine);
    texts.push(...mine);
  }
  return texts;
}

/** Every record row on the device (IndexedDB `records`), body parsed. */
async function deviceRecords(page) {
  return page.evaluate(async () => {
    const db = await new Promise((res, rej) => { const r = indexedDB.open('yinhuan'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const rows = await new Promise((res, rej) => {
      const r = db.transaction('records').objectStore('records').getAll();
      r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
    });
    db.close();
    return rows.map((r) => ({ id: r.id, kind: r.kind, dirty: r.dirty, body: typeof r.body === 'string' ? JSON.parse(r.body) : r.body }));
  });
}

/** Everything the server holds for the demo user, pulled page by page from cursor 0. */
async function serverRecords() {
  const res = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'demo', password: 'demo1234', device_id: 'kill-spec-check' }),
  });
  expect(res.status).toBe(200);
  const { token } = await res.json();
  const out = [];
  let cursor = 0;
  for (;;) {
    const r = await fetch(`${base}/api/sync/pull?cursor=${cursor}&limit=1000`, { headers: { Authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const page = await r.json();
    out.push(...page.changes);
    cursor = page.cursor;
    if (!page.more) return out;
  }
}

/**
 * Records every push and what became of it. `fault(n, route, push)` may take over push n;
 * the others go to the server through route.fetch (refused while it is down).
 */
async function tapPushes(page, fault) {
  const pushes = [];
  await page.route('**/api/sync/push', async (route) => {
    const push = { n: pushes.length + 1, ids: route.request().postDataJSON().changes.map((c) => c.id), results: null, fate: 'answered' };
    pushes.push(push);
    if (await fault(push.n, route, push)) return;
    let resp;
    try {
      resp = await route.fetch();
    } catch {
      push.fate = 'refused';
      return route.abort('connectionrefused').catch(() => {});
    }
    if (resp.ok()) push.results = (await resp.json()).results;
    return route.fulfill({ response: resp }).catch(() => {});
  });
  return pushes;
}

const revsOf = (results) => Object.fromEntries(results.map((r) => {
  expect(r.outcome.status).toBe('applied');
  return [r.id, r.outcome.rev];
}));

/** The device's records are on the server once each, unchanged since `firstRevs`, and nothing waits. */
async function assertExactlyOnce(browser, page, captured, texts, firstRevs) {
  const onServer = await serverRecords();
  const byId = new Map();
  for (const c of onServer) byId.set(c.id, (byId.get(c.id) || 0) + 1);
  // Fresh database: the server holds exactly the device's records, each once.
  expect([...byId.values()].every((n) => n === 1)).toBe(true);
  expect([...byId.keys()].sort()).toEqual(captured.map((r) => r.id).sort());
  expect(onServer.filter((c) => c.kind === 'hazard')).toHaveLength(texts.length);
  for (const text of texts) {
    expect(onServer.filter((c) => c.kind === 'hazard' && c.body.description === text), text).toHaveLength(1);
  }
  // A record the server had already committed was not written again by the retry: same rev.
  const serverRev = Object.fromEntries(onServer.map((c) => [c.id, c.rev]));
  for (const [id, rev] of Object.entries(firstRevs)) expect(serverRev[id], id).toBe(rev);
  // revs are unique: one write per record in all.
  expect(new Set(onServer.map((c) => c.rev)).size).toBe(onServer.length);

  // The device: nothing pending, every row clean at the server's rev, no extra row.
  const rows = await deviceRecords(page);
  expect(rows.map((r) => r.id).sort()).toEqual([...byId.keys()].sort());
  for (const r of rows) {
    expect(Number(r.dirty), r.id).toBe(0);
    expect(r.body.meta.rev, r.id).toBe(serverRev[r.id]);
  }
  await expect(page.getByTestId('pending-records')).toHaveText('0');

  // A second device sees each hazard once.
  const ctx = await browser.newContext();
  const other = await ctx.newPage();
  await installApp(other);
  await login(other);
  await syncNow(other);
  await other.goto(`${base}/hazards`);
  await expect(other.getByTestId('hazard-count')).toContainText(`共 ${texts.length} 条`);
  for (const text of texts) await expect(other.getByText(text, { exact: true })).toHaveCount(1);
  await ctx.close();
}

/** Installs the app and captures everything while signed out, so no sync can push early. */
async function prepare(browser) {
  server = await startServer(dataDir);
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await installApp(page);
  const texts = await captureAll(page, Date.now());
  const captured = await deviceRecords(page);
  const kinds = (k) => captured.filter((r) => r.kind === k).length;
  expect([kinds('enterprise'), kinds('inspection'), kinds('hazard')]).toEqual([2, 2, texts.length]);
  expect(captured.length).toBeGreaterThan(PUSH_BATCH);
  return { ctx, page, texts, captured };
}

test('server killed after committing a push, before answering: the retry stores nothing twice', async ({ browser }) => {
  const { ctx, page, texts, captured } = await prepare(browser);
  const pushes = await tapPushes(page, async (n, route, push) => {
    if (n !== 1) return false;
    const resp = await route.fetch(); // the server has committed the batch and answered
    push.results = (await resp.json()).results;
    await killServer(server); // ...but the answer never reaches the device
    push.fate = 'answer lost';
    await route.abort('connectionreset');
    return true;
  });
  // Signing in starts the first sync.
  await login(page);
  await expect(page.getByTestId('sync-error')).toContainText('连不上服务器', { timeout: 30_000 });
  expect(pushes[0].fate).toBe('answer lost');
  expect(pushes[0].ids).toHaveLength(PUSH_BATCH);
  const firstRevs = revsOf(pushes[0].results);
  await expect(page.getByTestId('pending-records')).toHaveText(String(captured.length));

  server = await startServer(dataDir);
  await syncNow(page);
  // The lost batch was sent again and answered with the revs of the first write.
  const again = pushes.find((p) => p.n > 1 && p.ids.includes(pushes[0].ids[0]) && p.results);
  expect(again, JSON.stringify(pushes.map((p) => [p.n, p.fate, p.ids.length]))).toBeTruthy();
  for (const [id, rev] of Object.entries(revsOf(again.results))) {
    if (id in firstRevs) expect(rev, id).toBe(firstRevs[id]);
  }
  await assertExactlyOnce(browser, page, captured, texts, firstRevs);
  await ctx.close();
});

test('server killed between two push batches: the rest is sent once, the first batch not again', async ({ browser }) => {
  const { ctx, page, texts, captured } = await prepare(browser);
  const pushes = await tapPushes(page, async (n, route, push) => {
    if (n !== 2) return false;
    await killServer(server); // dies before the second batch reaches it
    push.fate = 'refused';
    await route.continue(); // the browser's own connection attempt is refused
    return true;
  });
  await login(page);
  await expect(page.getByTestId('sync-error')).toContainText('连不上服务器', { timeout: 30_000 });
  expect(pushes.slice(0, 2).map((p) => p.fate)).toEqual(['answered', 'refused']);
  const firstRevs = revsOf(pushes[0].results);
  await expect(page.getByTestId('pending-records')).toHaveText(String(captured.length - PUSH_BATCH));

  server = await startServer(dataDir);
  await syncNow(page);
  // After the restart only the records of the refused batch travelled.
  const later = pushes.slice(2).filter((p) => p.results);
  expect(later.length).toBeGreaterThan(0);
  expect(later.flatMap((p) => p.ids).filter((id) => id in firstRevs)).toEqual([]);
  expect(new Set(later.flatMap((p) => p.ids))).toEqual(new Set(pushes[1].ids));
  await assertExactlyOnce(browser, page, captured, texts, firstRevs);
  await ctx.close();
});

test('server killed before answering, then the device edits a record: the edit is kept, nothing doubled', async ({ browser }) => {
  const { ctx, page, texts, captured } = await prepare(browser);
  const pushes = await tapPushes(page, async (n, route, push) => {
    if (n !== 1) return false;
    const resp = await route.fetch();
    push.results = (await resp.json()).results;
    await killServer(server);
    push.fate = 'answer lost';
    await route.abort('connectionreset');
    return true;
  });
  await login(page);
  await expect(page.getByTestId('sync-error')).toContainText('连不上服务器', { timeout: 30_000 });
  const firstRevs = revsOf(pushes[0].results);

  // While the server is down the inspector corrects a hazard the server already holds (its
  // ack was lost, so the device still sees it as never synced).
  const hazard = captured.find((r) => r.kind === 'hazard' && r.id in firstRevs);
  const before = hazard.body.description;
  const after = `${before}（已更正）`;
  await page.goto(`${base}/hazards/${hazard.id}`);
  await expect(page.locator('#hz-desc')).toHaveValue(before);
  await page.locator('#hz-desc').fill(after);
  await expect(page.getByTestId('save-status')).toHaveText('已保存在本机');

  server = await startServer(dataDir);
  await syncNow(page);
  const edited = texts.map((t) => (t === before ? after : t));
  const unchanged = Object.fromEntries(Object.entries(firstRevs).filter(([id]) => id !== hazard.id));
  await assertExactlyOnce(browser, page, captured, edited, unchanged);
  const onServer = await serverRecords();
  const h = onServer.find((c) => c.id === hazard.id);
  expect(h.body.description).toBe(after);
  expect(h.rev).toBeGreaterThan(firstRevs[hazard.id]);
  expect(onServer.filter((c) => c.body.description === before)).toHaveLength(0);
  await ctx.close();
});
