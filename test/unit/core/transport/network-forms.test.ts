import { isInNetworks, parseCidr } from '../../../../functions/core/transport/network.js';
import { parseLocation } from '../../../../functions/core/transport/nodes.js';
import { parseNodeAddress } from '../../../../functions/core/registry/registry.js';

// Address forms at the edges of the network checks: IPv4-mapped tails with octets of several
// digits, brackets that do not enclose the address, and a Location whose scheme is not at its start.

const contains = (network: string, host: string): boolean => isInNetworks(host, [parseCidr(network)]);

describe('isInNetworks, IPv4-mapped tails with octets of several digits', () => {
  it.each([
    ['::ffff:10.200.30.40/128', '::ffff:10.200.30.40', true],
    ['::ffff:10.200.30.0/120', '::ffff:10.200.30.255', true],
    ['::ffff:10.200.30.0/120', '::ffff:10.200.31.40', false],
    ['::ffff:192.168.100.0/120', '::ffff:192.168.100.123', true],
    ['::ffff:192.168.100.0/120', '::ffff:192.168.10.123', false],
  ])('%s contains %s: %s', (network, host, expected) => {
    expect(contains(network, host)).toBe(expected);
  });
});

describe('isInNetworks, brackets', () => {
  it.each([['fd00:[:1'], ['fd00::]1'], ['fd00::1]]'], ['[[fd00::1']])('reads %s as no address', (host) => {
    expect(contains('fd00::/8', host)).toBe(false);
  });
});

describe('parseCidr, brackets', () => {
  it.each([['fd00::]1/8'], ['fd00::]1'], ['[fd00::1]]/8']])(
    'refuses %s: brackets may only enclose the address',
    (text) => {
      expect(() => parseCidr(text)).toThrow(`not an IP network: ${text}`);
    },
  );
});

describe('parseLocation, the scheme', () => {
  const node1 = parseNodeAddress('10.0.0.1:80');
  it.each([['x-http://10.0.0.2/x'], ['see http://10.0.0.2/x']])(
    'refuses %s: http(s):// must open the Location',
    (location) => {
      expect(parseLocation(location, node1)).toBeNull();
    },
  );
});
