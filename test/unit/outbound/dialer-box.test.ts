import { expect } from 'chai';
import { AmiNotConnectedError, type AmiGateway } from '../../../src/ami/port.js';
import type { CommandDeps } from '../../../src/commands/command.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { silentLogger } from '../../../src/logger.js';
import { dialerBox } from '../../../src/outbound/dialer/box.js';

/** A link that says which box it is. */
function link(name: string): AmiGateway & { readonly name: string } {
  return {
    name,
    state: () => ({ connected: true, since: null, lastEventAt: null }),
    action: () => Promise.resolve({ Response: 'Success', Box: name }),
    listAction: () => Promise.reject(new Error('not used')),
    command: () => Promise.reject(new Error('not used')),
  };
}

const east = link('east');
const west = link('west');
const readModels = { waitForPosition: () => Promise.resolve(), waitUntil: () => Promise.resolve() };
const base = { store: new MemoryEventStore(), readModels, logger: silentLogger(), settleTimeoutMs: 10 };
const gateways: Readonly<Record<string, AmiGateway>> = { east, west };
const two: CommandDeps = { ...base, ami: east, nodes: { names: ['east', 'west'], gateway: (node) => gateways[node] } };
const one: CommandDeps = { ...base, ami: east, nodes: { names: ['east'], gateway: (node) => (node === 'east' ? east : undefined) } };

describe('dialer box: the link a campaign\'s dialings use', () => {
  it('goes over the named box, naming it in the audit targets when several are configured', () => {
    const box = dialerBox(two, 'west');
    expect(box.commands.ami).to.equal(west);
    expect(box.target).to.deep.equal({ node: 'west' });
    expect(box.configured).to.equal(true);
  });

  it('takes the first box for a campaign without node, and names no node with one box', () => {
    expect(dialerBox(two, null)).to.deep.include({ target: { node: 'east' }, configured: true });
    expect(dialerBox(two, null).commands.ami).to.equal(east);
    expect(dialerBox(one, null).target).to.deep.equal({});
    expect(dialerBox({ ...base, ami: east }, null).commands.ami).to.equal(east);
  });

  it('reads a node no longer configured as a box that is down: never connected, its actions refused as not connected', async () => {
    const box = dialerBox(two, 'north');
    expect(box.configured).to.equal(false);
    expect(box.target).to.deep.equal({ node: 'north' });
    expect(box.commands.ami.state().connected).to.equal(false);
    let error: unknown;
    await box.commands.ami.action({ Action: 'Hangup' }).catch((failed: unknown) => (error = failed));
    expect(error).to.be.instanceOf(AmiNotConnectedError);
    expect((error as Error).message).to.include('north');
  });
});
