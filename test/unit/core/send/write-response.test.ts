import { isNodeHint } from '../../../../functions/core/message/message.js';
import { nodeHintFromWrite } from '../../../../functions/core/send/write-response.js';

describe('nodeHintFromWrite', () => {
  it('takes the last Location host of a replicated write', () => {
    expect(nodeHintFromWrite({ location: ['http://10.0.0.11:80/abc', 'http://10.0.0.12:80/abc'] })).toBe(
      '10.0.0.12:80',
    );
  });
  it('takes the first Location host of an erasure-coded write', () => {
    expect(nodeHintFromWrite({ Location: ['http://10.0.0.11/abc', 'http://10.0.0.12/abc'], Manifest: 'ec' })).toBe(
      '10.0.0.11:80',
    );
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

  it.each([
    ['IPv4 with a port', 'http://10.0.0.11:8080/abc', '10.0.0.11:8080'],
    ['IPv4 without a port', 'http://10.0.0.11/abc', '10.0.0.11:80'],
    ['https without a port', 'https://10.0.0.11/abc', '10.0.0.11:443'],
    ['https with its default port written', 'https://10.0.0.11:443/abc', '10.0.0.11:443'],
    ['http with port 443', 'http://10.0.0.11:443/abc', '10.0.0.11:443'],
    ['IPv6 with a port', 'http://[fd00::11]:8080/abc', '[fd00::11]:8080'],
    ['IPv6 without a port', 'http://[fd00::11]/abc', '[fd00::11]:80'],
    ['IPv6 over https', 'https://[FD00::11]/abc', '[fd00::11]:443'],
    ['IPv4-mapped IPv6', 'http://[::ffff:10.0.0.11]:80/abc', '[::ffff:a00:b]:80'],
    ['a host name', 'http://Node-1.Swarm.Example:80/abc', 'node-1.swarm.example:80'],
    ['an upper-case scheme', 'HTTP://10.0.0.11:80/abc', '10.0.0.11:80'],
    ['no path', 'http://10.0.0.11:80', '10.0.0.11:80'],
    ['a query and fragment', 'http://10.0.0.11:80?x=1#y', '10.0.0.11:80'],
    ['a path-only Location', '/abc?alias', null],
    ['a scheme-relative Location', '//10.0.0.11:80/abc', null],
    ['another scheme', 'ftp://10.0.0.11:21/abc', null],
    ['credentials in the URL', 'http://admin:secret@10.0.0.11:80/abc', null],
    ['a port out of range', 'http://10.0.0.11:70000/abc', null],
    ['port 0', 'http://10.0.0.11:0/abc', null],
    ['an IPv6 zone id', 'http://[fe80::1%25eth0]:80/abc', null],
    ['an underscore in the host', 'http://node_1:80/abc', null],
    ['garbage', 'http://', null],
  ])('turns a Location with %s into a hint the message schema accepts, or none', (_what, location, expected) => {
    const hint = nodeHintFromWrite({ location });
    expect(hint).toBe(expected);
    if (hint !== null) expect(isNodeHint(hint)).toBe(true);
  });
});
