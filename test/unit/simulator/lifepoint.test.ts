import { deletableAt, parseLifepoint } from '../../../simulator/lifepoint.js';

// The simulator's reading of Lifepoint headers: which one is in force, and whether it forbids a DELETE.

const NOW = Date.parse('2030-06-01T00:00:00Z');

describe('simulator lifepoints', () => {
  it('parses "[date] constraints" and "[] constraints"; anything else is not a lifepoint', () => {
    expect(parseLifepoint('[Wed, 12 Dec 2040 15:59:02 GMT] reps=3, deletable=no')).toStrictEqual({
      end: Date.parse('Wed, 12 Dec 2040 15:59:02 GMT'),
      constraints: ['reps=3', 'deletable=no'],
    });
    expect(parseLifepoint('[] delete')).toStrictEqual({ end: Infinity, constraints: ['delete'] });
    expect(parseLifepoint('deletable=no')).toBeNull();
    expect(parseLifepoint('[not a date] deletable=no')).toBeNull();
  });

  it('no lifepoint, or one without deletable=no: deletable', () => {
    expect(deletableAt([], NOW)).toBe(true);
    expect(deletableAt(['[] reps=2'], NOW)).toBe(true);
  });

  it('the lifepoint in force is the earliest one still to end: its deletable=no refuses', () => {
    expect(deletableAt(['[] deletable=no'], NOW)).toBe(false);
    expect(deletableAt(['[Sat, 01 Jun 2030 01:00:00 GMT] reps=3, deletable=no', '[] deletable=yes'], NOW)).toBe(false);
    // The locked period ended: the next lifepoint is in force.
    expect(deletableAt(['[Fri, 31 May 2030 23:00:00 GMT] deletable=no', '[] deletable=yes'], NOW)).toBe(true);
    // Order of the headers does not matter; DELETABLE=NO reads like deletable=no.
    expect(deletableAt(['[] reps=2', '[Sat, 01 Jun 2030 01:00:00 GMT] DELETABLE=NO'], NOW)).toBe(false);
  });
});
