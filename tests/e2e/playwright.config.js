// End-to-end tests against the real server serving the release PWA (scripts/build-pwa).
const { defineConfig } = require('@playwright/test');
const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');
const { serverBin } = require('./helpers');

const root = path.resolve(__dirname, '../..');
const port = Number(process.env.E2E_PORT || 8091);
// A fresh database per run: tests never see another run's data. Made once by the runner and
// handed to the workers (which load this file again) through the environment, so a spec can
// add accounts to the very database the server uses (roles.spec.js).
if (!process.env.E2E_DATA_DIR) process.env.E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'yinhuan-e2e-'));
const dataDir = process.env.E2E_DATA_DIR;

module.exports = defineConfig({
  testDir: '.',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    serviceWorkers: 'allow',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // A fake camera for the in-page camera test (getUserMedia without a device or a prompt).
        '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    },
  },
  webServer: {
    command: `${serverBin} serve --demo --addr 127.0.0.1:${port} --dist ${root}/dist --data ${dataDir}`,
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
