import { expect } from 'chai';
import { SystemNames } from '../../../src/ami/system-names.js';

describe('systemnames of several Asterisk boxes', () => {
  it('accepts distinct names, says when a box has none, and names the box that already has a name', () => {
    const names = new SystemNames();
    expect(names.learn('east', 'east1')).to.deep.equal({ kind: 'ok' });
    expect(names.learn('west', '')).to.deep.equal({ kind: 'none' });
    expect(names.learn('north', 'east1')).to.deep.equal({ kind: 'collision', other: 'east' });
    // The refused box is not recorded: the first keeps its name.
    expect(names.of('north')).to.equal(undefined);
    expect(names.of('east')).to.equal('east1');
  });

  it('lets a box report its own name again after a reconnect, and two boxes without one both pass', () => {
    const names = new SystemNames();
    names.learn('east', 'east1');
    expect(names.learn('east', 'east1')).to.deep.equal({ kind: 'ok' });
    expect(names.learn('a', '')).to.deep.equal({ kind: 'none' });
    expect(names.learn('b', '')).to.deep.equal({ kind: 'none' });
  });
});
