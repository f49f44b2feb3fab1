/**
 * Issue 10: `/v1/commands` and `/v1/calls` list newest first by default (`order=desc`), take `order=asc`,
 * refuse any other order with a 400, and page by a keyset cursor: rows appended while a client pages
 * neither repeat nor skip rows of the pages, in either order.
 */
import { expect } from 'chai';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';

type Row = Record<string, unknown>;
interface Page {
  readonly list: Row[];
  readonly next_from: string | null;
}

const pageOf = (response: TestResponse): Page => {
  expect(response.status, response.text).to.equal(200);
  return response.body?.result as Page;
};

/** A canonical API timestamp `seconds` after a fixed start (9 fraction digits, so text order is time order). */
const at = (seconds: number): string => `2026-03-01T10:${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}.000000000Z`;

describe('history lists: newest first, order=asc, stable keyset paging (issue 10)', function () {
  this.timeout(30_000);
  let jade: RunningJade;

  async function command(uuid: string, seconds: number): Promise<void> {
    const metadata = { commandId: uuid, userId: 'u-1', correlationId: uuid, receivedAt: at(seconds) };
    await jade.jade.store.append(`command-${uuid}`, [
      { type: 'ModuleReloadRequested', data: { command_id: uuid, command_type: 'ModuleReload', request: { module: 'app_queue' }, targets: {}, user_uuid: 'u-1', username: 'pager' }, metadata },
    ]);
  }

  async function call(linkedId: string, seconds: number): Promise<void> {
    const data = { Channel: `Local/100@demo-${linkedId};1`, Uniqueid: linkedId, Linkedid: linkedId, ChannelState: '4', ChannelStateDesc: 'Ring', CallerIDNum: '5550001', CallerIDName: 'pager', Context: 'demo', Exten: '100', Priority: '1' };
    await jade.jade.store.append(`call-${linkedId}`, [{ type: 'Newchannel', data, metadata: { node: 'asterisk', receivedAt: at(seconds) } }]);
  }

  const settle = async (): Promise<void> => {
    await jade.jade.runner.waitForPosition(await jade.jade.store.headPosition(), 10_000);
  };

  before(async () => {
    jade = await startTestJade(undefined);
    // Out of order in the log, and two pairs sharing a time: the order is (time, id), not the append order.
    for (const [id, seconds] of [['c05', 50], ['c01', 10], ['c03', 30], ['c04', 30], ['c02', 20], ['c07', 70], ['c06', 60], ['c08', 80], ['c09', 80]] as const) {
      await command(id, seconds);
      await call(`1900000000.${id.slice(1)}`, seconds);
    }
    await settle();
  });

  after(async () => {
    await jade?.stop();
  });

  const commandIds = ['c01', 'c02', 'c03', 'c04', 'c05', 'c06', 'c07', 'c08', 'c09'];
  const callIds = commandIds.map((id) => `1900000000.${id.slice(1)}`);

  const lists = [
    { path: '/v1/commands', key: 'uuid', oldestFirst: commandIds, query: { user: 'pager' }, append: command, fresh: (n: number) => `d0${n}` },
    { path: '/v1/calls', key: 'linked_id', oldestFirst: callIds, query: { caller: '5550001' }, append: call, fresh: (n: number) => `1900000001.${n}` },
  ] as const;

  for (const list of lists) {
    describe(`GET ${list.path}`, () => {
      const ids = (page: Page): string[] => page.list.map((row) => String(row[list.key]));

      it('lists newest first by default and with order=desc, oldest first with order=asc', async () => {
        const newestFirst = [...list.oldestFirst].reverse();
        expect(ids(pageOf(await jade.get(list.path, { query: { ...list.query } })))).to.deep.equal(newestFirst);
        expect(ids(pageOf(await jade.get(list.path, { query: { ...list.query, order: 'desc' } })))).to.deep.equal(newestFirst);
        expect(ids(pageOf(await jade.get(list.path, { query: { ...list.query, order: 'asc' } })))).to.deep.equal(list.oldestFirst);
      });

      it('refuses an order that is not asc or desc with a 400 naming order, and a repeated one', async () => {
        for (const order of ['up', 'ASC', '', 'newest']) {
          const response = await jade.get(list.path, { query: { order } });
          expect(response.status, order).to.equal(400);
          expect(response.body?.error?.message, order).to.match(/^order: must be desc .* or asc/);
        }
        const repeated = await jade.get(`${list.path}?order=asc&order=desc`);
        expect(repeated.status).to.equal(400);
        expect(repeated.body?.error?.message).to.match(/order/);
      });

      for (const order of ['desc', 'asc'] as const) {
        it(`pages with order=${order} across rows appended between pages: every row of the pages once, none skipped`, async () => {
          const before = ids(pageOf(await jade.get(list.path, { query: { ...list.query, order, limit: '1000' } })));
          const seen: string[] = [];
          let from: string | null = null;
          let appended = 0;
          do {
            const page: Page = pageOf(await jade.get(list.path, { query: { ...list.query, order, limit: '2', ...(from === null ? {} : { from }) } }));
            expect(page.list.length).to.be.at.most(2);
            seen.push(...ids(page));
            from = page.next_from;
            // A busy PBX: new rows (newer than everything listed) arrive while the client pages.
            appended += 1;
            await list.append(list.fresh(appended + (order === 'asc' ? 10 : 0)), 500 + appended + (order === 'asc' ? 100 : 0));
            await settle();
          } while (from !== null);
          expect(new Set(seen).size, 'no row twice').to.equal(seen.length);
          if (order === 'desc') {
            // The new rows are above the first page: the pages are exactly the list as it was.
            expect(seen).to.deep.equal(before);
          } else {
            // The new rows come after the last old one: the old rows in order, then some of the new ones, in order.
            expect(seen.slice(0, before.length)).to.deep.equal(before);
            const rest = seen.slice(before.length);
            expect(rest).to.deep.equal([...rest].sort((a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, ''))));
          }
        });
      }
    });
  }
});
