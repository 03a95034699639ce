import { isInNetworks, parseCidr } from '../../../../functions/core/transport/network.js';

// The registry's `networks` decide which node addresses may receive the admin credentials, so
// each way of writing an address must land on the same bits.

const contains = (network: string, host: string): boolean => isInNetworks(host, [parseCidr(network)]);

describe('parseCidr', () => {
  it('keeps the network bits of an address written with host bits set, and the text as given', () => {
    expect(parseCidr('10.0.0.7/24')).toStrictEqual({ family: 4, base: 0x0a000000n, bits: 24, text: '10.0.0.7/24' });
    expect(parseCidr('fd00::1/16')).toStrictEqual({ family: 6, base: 0xfd00n << 112n, bits: 16, text: 'fd00::1/16' });
  });

  it('reads a bare address as one host: /32 for IPv4, /128 for IPv6', () => {
    expect(parseCidr('192.168.1.9')).toMatchObject({ family: 4, bits: 32, base: 0xc0a80109n });
    expect(parseCidr('fd00::9')).toMatchObject({ family: 6, bits: 128, base: (0xfd00n << 112n) + 9n });
  });

  it('accepts the widest prefix of each family and nothing wider', () => {
    expect(parseCidr('10.0.0.1/32').bits).toBe(32);
    expect(parseCidr('fd00::1/128').bits).toBe(128);
    expect(parseCidr('fd00::/64').bits).toBe(64);
    expect(() => parseCidr('fd00::/129')).toThrow('bad prefix length: fd00::/129');
    expect(() => parseCidr('10.0.0.0/33')).toThrow('bad prefix length: 10.0.0.0/33');
  });

  it.each([['10.0.0.0/a8'], ['10.0.0.0/8a'], ['10.0.0.0/1234'], ['10.0.0.0/']])(
    'names a prefix that is not 1 to 3 digits as a bad prefix length: %s',
    (text) => {
      expect(() => parseCidr(text)).toThrow(`bad prefix length: ${text}`);
    },
  );

  it('takes an IPv6 network in brackets, and refuses a bracket anywhere else', () => {
    expect(parseCidr('[fd00::]/8')).toMatchObject({ family: 6, bits: 8, base: 0xfdn << 120n });
    expect(() => parseCidr('fd00[::1')).toThrow('not an IP network: fd00[::1');
    expect(() => parseCidr('fd00]::1')).toThrow('not an IP network: fd00]::1');
    expect(() => parseCidr('10.0.0.0/8/8')).toThrow('not an IP network: 10.0.0.0/8/8');
    expect(() => parseCidr('node1.example/8')).toThrow('not an IP network: node1.example/8');
  });
});

describe('isInNetworks', () => {
  it.each([
    // every place a "::" can stand
    ['::/0', '::', true],
    ['::1/128', '::1', true],
    ['::1/128', '::2', false],
    ['fd00::/16', 'fd00::', true],
    ['fd00:0:0:0:0:0:0:7/128', 'fd00::7', true],
    ['fd00::7/128', 'fd00:0:0:0:0:0:0:7', true],
    ['fd00:1::/32', 'fd00:1:0:0:0:0:0:ff', true],
    ['fd00:1::/32', 'fd00:2::ff', false],
    ['1:2:3:4:5:6:7:8/128', '1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8/128', '1:2:3:4:5:6:8:7', false],
    ['1:2::7:8/128', '1:2:0:0:0:0:7:8', true],
    ['1:2::7:8/128', '1:2:0:0:0:7:8:0', false],
    // the IPv4-mapped tail in the full form and behind "::"
    ['0:0:0:0:0:ffff:a00:1/128', '::ffff:10.0.0.1', true],
    ['::ffff:10.0.0.1/128', '0:0:0:0:0:ffff:10.0.0.1', true],
    ['::ffff:10.0.0.1/128', '::ffff:10.0.1.0', false],
  ])('%s contains %s: %s', (network, host, expected) => {
    expect(contains(network, host)).toBe(expected);
  });

  it('reads an IPv4-mapped IPv6 address through its IPv4 tail', () => {
    const mapped = [parseCidr('::ffff:10.200.30.0/120')];
    expect(isInNetworks('::ffff:10.200.30.40', mapped)).toBe(true);
    expect(isInNetworks('::ffff:10.200.31.40', mapped)).toBe(false);
    expect(isInNetworks('::ffff:11.200.30.40', mapped)).toBe(false);
    expect(isInNetworks('::ffff:10.200.30.255', mapped)).toBe(true);
    expect(isInNetworks('::ffff:10.201.30.4', mapped)).toBe(false);
  });

  it('reads a host in brackets like the bare address', () => {
    expect(contains('fd00::/8', '[fd12::1]')).toBe(true);
    expect(contains('fd00::/8', '[fe80::1]')).toBe(false);
  });

  it('never matches an address of the other family, not even against a /0', () => {
    expect(contains('0.0.0.0/0', '::')).toBe(false);
    expect(contains('0.0.0.0/0', '::1')).toBe(false);
    expect(contains('::/0', '0.0.0.0')).toBe(false);
    expect(contains('::/0', '10.0.0.1')).toBe(false);
  });

  it('matches when any one of several networks contains the host', () => {
    const nets = [parseCidr('10.0.0.0/24'), parseCidr('fd00::/8'), parseCidr('192.168.0.0/16')];
    expect(isInNetworks('192.168.7.7', nets)).toBe(true);
    expect(isInNetworks('fd99::1', nets)).toBe(true);
    expect(isInNetworks('172.16.0.1', nets)).toBe(false);
    expect(isInNetworks('10.0.0.1', [])).toBe(false);
  });

  it('compares the whole prefix: a host one bit outside is out', () => {
    expect(contains('10.0.0.0/25', '10.0.0.127')).toBe(true);
    expect(contains('10.0.0.0/25', '10.0.0.128')).toBe(false);
    expect(contains('128.0.0.0/1', '127.255.255.255')).toBe(false);
    expect(contains('128.0.0.0/1', '128.0.0.0')).toBe(true);
    expect(contains('8000::/1', '7fff::')).toBe(false);
    expect(contains('8000::/1', 'ffff::')).toBe(true);
  });
});
