import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { withStatementCache } from '../../../src/readmodels/statement-cache.js';

describe('prepared statements reused for kysely (readmodels/statement-cache)', function () {
  let sqlite: BetterSqlite3.Database;

  beforeEach(function () {
    sqlite = new BetterSqlite3(':memory:');
    sqlite.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
    sqlite.prepare('INSERT INTO t (k, v) VALUES (1, ?), (2, ?), (3, ?)').run('a', 'b', 'c');
  });

  afterEach(function () {
    if (sqlite.open) sqlite.close();
  });

  it('hands out the same statement for the same SQL text, and answers with the current rows', function () {
    const db = withStatementCache(sqlite);
    const first = db.prepare('SELECT v FROM t WHERE k = ?');
    expect(db.prepare('SELECT v FROM t WHERE k = ?')).to.equal(first);
    sqlite.prepare('UPDATE t SET v = ? WHERE k = 1').run('changed');
    expect(db.prepare('SELECT v FROM t WHERE k = ?').all([1])).to.deep.equal([{ v: 'changed' }]);
  });

  it('prepares a statement of its own while the cached one is busy in an iteration', function () {
    const db = withStatementCache(sqlite);
    const text = 'SELECT k FROM t ORDER BY k';
    const cached = db.prepare(text);
    const iterating = cached.iterate([]);
    expect(iterating.next().value).to.deep.equal({ k: 1 });
    const other = db.prepare(text);
    expect(other.all([])).to.deep.equal([{ k: 1 }, { k: 2 }, { k: 3 }]);
    expect([...iterating]).to.deep.equal([{ k: 2 }, { k: 3 }]);
    // Once the iteration is over, the cached statement is handed out again.
    expect(other).to.not.equal(cached);
    expect(db.prepare(text)).to.equal(cached);
  });

  it('keeps at most the given number of texts, dropping the least recently used', function () {
    const db = withStatementCache(sqlite, 2);
    const a = db.prepare('SELECT 1');
    const b = db.prepare('SELECT 2');
    expect(db.prepare('SELECT 1')).to.equal(a);
    db.prepare('SELECT 3');
    expect(db.prepare('SELECT 1')).to.equal(a);
    expect(db.prepare('SELECT 2')).to.not.equal(b);
  });

  it('survives a table being dropped and created again under a cached statement (a rebuild swap)', function () {
    const db = withStatementCache(sqlite);
    expect(db.prepare('SELECT v FROM t WHERE k = ?').all([2])).to.deep.equal([{ v: 'b' }]);
    sqlite.exec("DROP TABLE t; CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (2, 'rebuilt')");
    expect(db.prepare('SELECT v FROM t WHERE k = ?').all([2])).to.deep.equal([{ v: 'rebuilt' }]);
  });
});
