import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { readSendRequest } from '../../../cli/send-flags.js';
import { UsageError } from '../../../cli/command.js';

const ENV = { SWARM_PASSWORD: 'pw' };
const base = { source: ['10.0.0.1:80,node-b.example:8080'], cluster: 'dr', target: '10.9.0.1:80' };

describe('swarm-send send: flags read into the SEND client input', () => {
  it('builds the clusters a registry with the same nodes and target would resolve', () => {
    const { input, timeoutSeconds } = readSendRequest(base, 'a'.repeat(32), ENV);
    const registry = parseRegistry({
      clusters: {
        source: { name: 'source', nodes: ['10.0.0.1:80', 'node-b.example:8080'], credentials: 'cli' },
        destination: { name: 'dr', target: '10.9.0.1:80', credentials: 'cli' },
      },
    });
    expect(input.source).toStrictEqual(registry.clusters.source);
    expect(input.destination).toStrictEqual(registry.clusters.destination);
    expect(input.credentials).toStrictEqual({ username: 'admin', password: 'pw' });
    expect(input.destinationCredentials).toBeNull();
    expect(input.object).toStrictEqual({ uuid: 'a'.repeat(32) });
    expect(timeoutSeconds).toBe(120);
  });

  it('--network replaces the default networks; --remote-auth and --user are read', () => {
    const { input } = readSendRequest(
      { ...base, network: ['10.0.0.0/8'], 'remote-auth': 'dradmin:x:y', user: 'ops' },
      'b/n',
      ENV,
    );
    expect(input.source.networks).toStrictEqual(
      parseRegistry({
        clusters: { s: { name: 's', nodes: ['10.0.0.1:80'], networks: ['10.0.0.0/8'], credentials: 'c' } },
      }).clusters.s!.networks,
    );
    expect(input.destinationCredentials).toStrictEqual({ username: 'dradmin', password: 'x:y' });
    expect(input.credentials.username).toBe('ops');
    expect(input.object).toStrictEqual({ domain: '', bucket: 'b', name: 'n' });
  });

  it.each([
    [{ source: ['10.0.0.1:99999'] }, '--source "10.0.0.1:99999" must be IP:port or http(s)://host:port'],
    [{ source: ['bad host:1'] }, '--source "bad host:1" must be IP:port or http(s)://host:port'],
    [{ target: 'http://10.9.0.1:80' }, '--target: Castor-System-Target is IP:port, without a scheme'],
    [{ target: '10.9.0.1:x' }, '--target "10.9.0.1:x" must be IP:port or http(s)://host:port'],
    [{ cluster: 'my dr' }, '--cluster must be the cluster.name setting, without spaces'],
    [{ network: ['10.0.0.0/33'] }, '--network "10.0.0.0/33" is not an IPv4/IPv6 CIDR'],
    [{ 'remote-auth': 'nocolon' }, '--remote-auth / SWARM_REMOTE_AUTH must be USER:PASS'],
    [{ timeout: '0' }, '--timeout must be a positive number (got "0")'],
    [{ 'feed-type': ['bogus'] }, '--feed-type "bogus" is not one of all, search, indexing, replication, s3backup'],
  ])('names the flag of a bad value: %j', (flags, message) => {
    expect(() => readSendRequest({ ...base, ...flags }, 'a'.repeat(32), ENV)).toThrow(new UsageError(message));
  });

  it('a feed SEND needs a replication feed that can prove the copy', () => {
    const { input } = readSendRequest(
      { ...base, 'feed-id': ['all'], 'replication-feed': ['3'], force: true, timeout: '30' },
      'a'.repeat(32),
      ENV,
    );
    expect(input.feeds).toStrictEqual({ ids: ['all'], types: [], timeout: 30, force: true });
    expect(input.replicationFeeds).toStrictEqual([3]);
    expect(() => readSendRequest({ ...base, 'feed-id': ['2'] }, 'a'.repeat(32), ENV)).toThrow(
      /names no replicationFeeds .*\(give --replication-feed N\)/,
    );
  });
});
