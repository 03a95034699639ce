import { parseRegistry } from '../../../../functions/core/registry/registry.js';
import { ConfigError } from '../../../../functions/core/errors.js';

const clusters = {
  primary: { name: 'primary.example', nodes: ['10.0.0.1:80'], target: '10.0.0.1:80', credentials: 'env:P' },
  dr: { name: 'dr.example', nodes: ['10.0.1.1:80'], target: '10.0.1.1:80', credentials: 'env:D' },
};
const withPolicy = (route: Record<string, unknown>) =>
  parseRegistry({ clusters, defaultRoute: { from: 'primary', to: 'dr', ...route } });

describe('route largeObjects', () => {
  it('is null on a route without one (nothing extra is planned)', () => {
    expect(withPolicy({}).defaultRoute?.largeObjects).toBeNull();
  });

  it('fills the documented defaults', () => {
    expect(
      withPolicy({ largeObjects: { linkMbps: 1000, via: 'long-running-tier' } }).defaultRoute?.largeObjects,
    ).toEqual({
      linkMbps: 1000,
      via: 'long-running-tier',
      safetyFactor: 2,
      feedTimeoutSeconds: 5,
      largeAfterSeconds: 60,
      largeInInvocation: 'never',
    });
  });

  it('refuses via "feed" on a route that names no replication feed', () => {
    expect(() => withPolicy({ largeObjects: { linkMbps: 100, via: 'feed' } })).toThrow(
      /via "feed" needs replicationFeeds/,
    );
    expect(
      withPolicy({ replicationFeeds: [2], largeObjects: { linkMbps: 100, via: 'feed' } }).defaultRoute?.largeObjects
        ?.via,
    ).toBe('feed');
  });

  it('refuses a missing or unusable bandwidth, an unknown via and unknown fields', () => {
    for (const bad of [
      { via: 'feed' },
      { linkMbps: 0, via: 'long-running-tier' },
      { linkMbps: 100, via: 'lambda' },
      { linkMbps: 100, via: 'long-running-tier', safetyFactor: 0.5 },
      { linkMbps: 100, via: 'long-running-tier', extra: 1 },
      { linkMbps: 100, via: 'long-running-tier', largeInInvocation: 'always' },
    ])
      expect(() => withPolicy({ largeObjects: bad })).toThrow(ConfigError);
  });
});
