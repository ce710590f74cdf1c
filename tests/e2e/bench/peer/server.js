// The comparison peer for tests/e2e/bench/sync.mjs: a CouchDB-protocol server (express-pouchdb
// over PouchDB's pure-JS memory adapter, no native module) plus a blank page and PouchDB's
// browser build, all on ONE origin so the page replicates without CORS.
// Usage: node server.js <port>; prints "ready <port>" once listening.
'use strict';
const express = require('express'); // express 4: express 5 breaks express-pouchdb's _changes
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'))
  .plugin(require('pouchdb-mapreduce'));

const port = Number(process.argv[2] || 0);
const app = express();
app.get('/', (_req, res) => res.type('html').send('<!doctype html><meta charset="utf-8"><title>PouchDB peer</title>'));
// The browser build with the IndexedDB adapter (the `pouchdb` package's dist file; its node
// entry point, which would load leveldown, is never required).
app.get('/pouchdb.min.js', (_req, res) => res.sendFile(require.resolve('pouchdb/dist/pouchdb.min.js')));
app.use('/db', require('express-pouchdb')(PouchDB.defaults({ adapter: 'memory' }), {
  mode: 'minimumForPouchDB',
  inMemoryConfig: true,
  logPath: '/dev/null',
}));
const server = app.listen(port, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
