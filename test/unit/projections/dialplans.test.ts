import { expect } from 'chai';
import { getDpmaScript, listDialplans } from '../../../projections/dialplans.js';
import { dpEventTypes, dpStreams } from '../../../src/events/index.js';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { openReadModelDb, type ReadModelDb } from '../../../src/readmodels/database.js';
import { createProjectionRunner } from '../../../src/readmodels/index.js';

/** The dialplans read model: `getDpmaScript` orders a dpma's steps by `sequence`, then uuid, and tracks `version`. */

const DPMA = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (n: number): string => `2026-01-01T12:00:${String(n).padStart(2, '0')}.000000000Z`;

describe('dialplans read model', () => {
  let readModels: ReadModelDb;
  let store: MemoryEventStore;
  const append = async (stream: string, type: string, data: Record<string, unknown>): Promise<number> =>
    (await store.append(stream, [{ type, data, metadata: {} }])).lastPosition;
  const catchUp = () => createProjectionRunner({ store, readModels }).catchUp();

  before(async () => {
    store = new MemoryEventStore();
    readModels = await openReadModelDb(':memory:');
    await append(dpStreams.dpma(DPMA), dpEventTypes.dpmaCreated, { uuid: DPMA, name: 'script', detail: null, on_error: 'hangup', tm_create: at(0) });
    await append(dpStreams.dpma(OTHER), dpEventTypes.dpmaCreated, { uuid: OTHER, name: 'other', detail: null, on_error: 'continue', tm_create: at(1) });
    // Created out of order; two share sequence 20 (created higher uuid first); one belongs to the other dpma.
    const steps: [number, string, number, string][] = [
      [5, DPMA, 30, 'HANGUP'],
      [4, DPMA, 20, 'EXEC Wait 1'],
      [3, DPMA, 20, 'EXEC Playback beep'],
      [1, DPMA, -1, 'ANSWER'],
      [9, OTHER, 0, 'NOOP'],
    ];
    for (const [n, dpma, sequence, command] of steps) {
      await append(dpStreams.dialplan(uuid(n)), dpEventTypes.dialplanCreated, { uuid: uuid(n), dpma_uuid: dpma, sequence, name: null, detail: null, command, tm_create: at(n + 2) });
    }
    await catchUp();
  });

  after(async () => {
    await readModels.close();
  });

  it('orders the steps by sequence, ties by uuid, and only the dpma’s own', async () => {
    const script = await getDpmaScript(readModels.db, DPMA);
    expect(script?.dpma).to.deep.equal({ uuid: DPMA, name: 'script', detail: null, on_error: 'hangup', tm_create: at(0), tm_update: null });
    expect(script?.steps.map((s) => [s.sequence, s.command])).to.deep.equal([
      [-1, 'ANSWER'],
      [20, 'EXEC Playback beep'],
      [20, 'EXEC Wait 1'],
      [30, 'HANGUP'],
    ]);
    expect(script?.steps.map((s) => s.uuid)).to.deep.equal([uuid(1), uuid(3), uuid(4), uuid(5)]);
    expect(Object.keys(script!.steps[0]!)).to.deep.equal(['uuid', 'dpma_uuid', 'sequence', 'name', 'detail', 'command', 'tm_create', 'tm_update']);
    // The version is the position of the last step added to it (the other dpma's step came after).
    expect(script?.version).to.equal((await store.headPosition()) - 1);
    expect(await getDpmaScript(readModels.db, uuid(999))).to.equal(undefined);
  });

  it('a re-sequenced step moves in the order and the version; a deleted step and a deleted dpma leave', async () => {
    const moved = await append(dpStreams.dialplan(uuid(5)), dpEventTypes.dialplanUpdated, { uuid: uuid(5), changes: { sequence: -5 }, tm_update: at(20) });
    await catchUp();
    let script = await getDpmaScript(readModels.db, DPMA);
    expect(script?.steps.map((s) => s.uuid)).to.deep.equal([uuid(5), uuid(1), uuid(3), uuid(4)]);
    expect(script?.steps[0]?.tm_update).to.equal(at(20));
    expect(script?.version).to.equal(moved);

    const gone = await append(dpStreams.dialplan(uuid(1)), dpEventTypes.dialplanDeleted, { uuid: uuid(1), tm_delete: at(21) });
    await catchUp();
    script = await getDpmaScript(readModels.db, DPMA);
    expect(script?.steps.map((s) => s.uuid)).to.deep.equal([uuid(5), uuid(3), uuid(4)]);
    expect(script?.version).to.equal(gone);
    expect((await listDialplans(readModels.db)).map((s) => s.uuid)).to.not.include(uuid(1));

    await append(dpStreams.dialplan(uuid(9)), dpEventTypes.dialplanDeleted, { uuid: uuid(9), tm_delete: at(22) });
    await append(dpStreams.dpma(OTHER), dpEventTypes.dpmaDeleted, { uuid: OTHER, tm_delete: at(23) });
    await catchUp();
    expect(await getDpmaScript(readModels.db, OTHER)).to.equal(undefined);
  });
});
