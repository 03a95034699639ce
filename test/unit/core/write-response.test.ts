import { nodeHintFromWrite } from '../../../functions/core/write-response.js';

describe('nodeHintFromWrite', () => {
  it('takes the last Location host of a replicated write', () => {
    expect(nodeHintFromWrite({ location: ['http://10.0.0.11:80/abc', 'http://10.0.0.12:80/abc'] })).toBe('10.0.0.12:80');
  });
  it('takes the first Location host of an erasure-coded write', () => {
    expect(nodeHintFromWrite({ Location: ['http://10.0.0.11/abc', 'http://10.0.0.12/abc'], Manifest: 'ec' })).toBe('10.0.0.11:80');
  });
  it('reads fetch Headers, where several Locations are folded with commas', () => {
    const h = new Headers();
    h.append('location', 'http://10.0.0.11:8080/b/n');
    h.append('location', 'https://10.0.0.12/b/n');
    expect(nodeHintFromWrite(h)).toBe('10.0.0.12:443');
  });
  it('returns null without a Location', () => {
    expect(nodeHintFromWrite({})).toBeNull();
  });
});
