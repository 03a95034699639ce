import { createCredentialsProvider, CredentialsError } from '../../../functions/adapters/credentials.js';
import { isInNetworks, parseCidr } from '../../../functions/core/network.js';
import { Limiter } from '../../../functions/worker/limiter.js';

// Tests written for mutants that survived the first mutation run (see docs/mutation-testing.md).

describe('mutants that survived the first run', () => {
  it('an IPv4-mapped IPv6 address is read through its IPv4 tail', () => {
    const mapped = [parseCidr('::ffff:10.200.30.0/120')];
    expect(isInNetworks('::ffff:10.200.30.40', mapped)).toBe(true);
    expect(isInNetworks('::ffff:10.200.31.40', mapped)).toBe(false);
    expect(isInNetworks('::ffff:11.200.30.40', mapped)).toBe(false);
    expect(isInNetworks('::ffff:10.200.30.255', mapped)).toBe(true);
    expect(isInNetworks('::ffff:10.201.30.4', mapped)).toBe(false);
  });

  it('a limiter needs a limit of at least one', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
    expect(() => new Limiter(Number.NaN)).toThrow('limit must be at least 1');
    expect(new Limiter(1).limit).toBe(1);
  });

  it('a credentials error is named, and a JSON null secret is a CredentialsError, not a TypeError', async () => {
    const err = await createCredentialsProvider({ env: { N: 'null' } })
      .get('env:N')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).name).toBe('CredentialsError');
  });
});
