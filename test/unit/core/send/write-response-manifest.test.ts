import { nodeHintFromWrite } from '../../../../functions/core/send/write-response.js';

// Which Location a write's answer points the SEND at depends on the Manifest header only when it
// says erasure coding; any other manifest is a replicated write.

const locations = ['http://10.0.0.11:80/abc', 'http://10.0.0.12:80/abc'];

describe('nodeHintFromWrite and the Manifest header', () => {
  it('reads a manifest other than ec as a replicated write: the last Location', () => {
    expect(nodeHintFromWrite({ location: locations, manifest: 'replicas' })).toBe('10.0.0.12:80');
    expect(nodeHintFromWrite({ location: locations, manifest: ['chunked'] })).toBe('10.0.0.12:80');
  });

  it('reads ec in any case and with surrounding spaces, from a string or a list', () => {
    expect(nodeHintFromWrite({ location: locations, MANIFEST: ' EC ' })).toBe('10.0.0.11:80');
    expect(nodeHintFromWrite({ location: locations, manifest: ['x', 'Ec'] })).toBe('10.0.0.11:80');
  });

  it('matches header names in any case, and a missing Location gives no hint even for ec', () => {
    expect(nodeHintFromWrite({ LOCATION: 'http://10.0.0.13:80/abc' })).toBe('10.0.0.13:80');
    expect(nodeHintFromWrite({ manifest: 'ec' })).toBeNull();
    expect(nodeHintFromWrite({ location: undefined })).toBeNull();
  });
});

describe('nodeHintFromWrite and odd Locations', () => {
  it('takes only http(s) at the very start of a Location, and refuses a user name alone', () => {
    expect(nodeHintFromWrite({ location: 'xhttp://10.0.0.11:80/abc' })).toBeNull();
    expect(nodeHintFromWrite({ location: 'http://admin@10.0.0.11:80/abc' })).toBeNull();
    expect(nodeHintFromWrite({ location: ' http://10.0.0.11:80/abc' })).toBe('10.0.0.11:80');
  });

  it('splits Locations folded with or without a space after the comma, http or https', () => {
    expect(nodeHintFromWrite({ location: 'http://10.0.0.11:80/a,http://10.0.0.12:80/b' })).toBe('10.0.0.12:80');
    expect(nodeHintFromWrite({ location: 'https://10.0.0.11/a,  http://10.0.0.12:80/b' })).toBe('10.0.0.12:80');
    expect(nodeHintFromWrite({ location: 'http://10.0.0.11:80/a,b' })).toBe('10.0.0.11:80');
  });
});
