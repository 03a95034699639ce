import { FaultRegistry, type FaultSite } from '../../../simulator/faults.js';

const UUID = 'ABCDEF0123456789abcdef0123456789';
const site = (objects: string[], node = 'n1'): FaultSite => ({ cluster: 'baker', node, method: 'SEND', objects });

describe('the simulator fault registry', () => {
  it('applies the first added of the matching faults, whether aimed at an object or not', () => {
    const r = new FaultRegistry();
    r.add({ match: { node: 'n1' }, times: 1, kind: { type: 'remote-status', status: 503 } });
    r.add({ match: { object: UUID }, times: 1, kind: { type: 'reset-mid-body' } });
    r.add({ match: { object: UUID }, times: 1, kind: { type: 'truncate' } });
    expect(r.take('after-auth', site([UUID]))?.type).toBe('remote-status');
    expect(r.take('after-auth', site([UUID]))?.type).toBe('reset-mid-body');
    expect(r.take('after-auth', site([UUID]))?.type).toBe('truncate');
    expect(r.take('after-auth', site([UUID]))).toBeUndefined();
    expect(r.active).toBe(false);
  });

  it('matches UUIDs in any case and names exactly', () => {
    const r = new FaultRegistry();
    r.add({ match: { object: UUID }, kind: { type: 'truncate' } });
    r.add({ match: { object: 'bucket/Name' }, kind: { type: 'truncate' } });
    expect(r.take('after-auth', site([UUID.toLowerCase()]))?.type).toBe('truncate');
    expect(r.take('after-auth', site(['bucket/Name']))?.type).toBe('truncate');
    expect(r.take('after-auth', site(['bucket/name']))).toBeUndefined();
    expect(r.take('after-auth', site(['0'.repeat(32)]))).toBeUndefined();
  });

  it('keeps object faults to their phase and their other match fields', () => {
    const r = new FaultRegistry();
    r.add({ match: { object: UUID, node: 'n2' }, times: 1, kind: { type: 'status', status: 503 } });
    expect(r.take('after-auth', site([UUID], 'n2'))).toBeUndefined();
    expect(r.take('before-auth', site([UUID], 'n1'))).toBeUndefined();
    expect(r.take('before-auth', site([UUID], 'n2'))).toEqual({ type: 'status', status: 503 });
  });

  it('drops spent faults and ignores ones added with no hits', () => {
    const r = new FaultRegistry();
    r.add({ kind: { type: 'truncate' }, times: 0 });
    expect(r.active).toBe(false);
    r.add({ kind: { type: 'truncate' }, times: 2 });
    r.take('after-auth', site([]));
    expect(r.active).toBe(true);
    r.take('after-auth', site([]));
    expect(r.active).toBe(false);
  });
});
