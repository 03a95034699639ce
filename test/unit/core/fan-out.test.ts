import { ConfigError, InvalidMessageError } from '../../../functions/core/errors.js';
import { namedDestinations, splitByDestination } from '../../../functions/core/message/fan-out.js';
import { parseSendMessage } from '../../../functions/core/message/message.js';
import { decideFanOut } from '../../../functions/core/outcome/fan-out-decision.js';
import { parseRegistry, resolveRoute, resolveRoutes } from '../../../functions/core/registry/registry.js';

// Fan-out (docs/fan-out.md) in the pure core: a message's destination list, a registry route
// with several targets, how `from` + `to` resolve to one route per destination, the split and
// its decision.

const CLUSTERS = {
  primary: { name: 'baker', nodes: ['10.0.0.11:80'], credentials: 'swarm/primary' },
  east: { name: 'east', target: '192.168.1.13:80', credentials: 'swarm/east' },
  west: { name: 'west', target: '192.168.2.13:80', credentials: 'swarm/west' },
  north: { name: 'north', target: '192.168.3.13:80', credentials: 'swarm/north' },
};
const problemsOf = (input: unknown): readonly string[] => {
  try {
    parseRegistry(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the registry to be refused');
};
const refusal = (work: () => unknown): readonly string[] => {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError);
    return (err as InvalidMessageError).problems;
  }
  throw new Error('expected the message to be refused');
};

describe('a message naming several destinations', () => {
  const object = { uuid: 'a'.repeat(32) };
  it('takes `to` as one key or a list of distinct keys (1 to 16)', () => {
    expect(parseSendMessage(JSON.stringify({ object, to: ['east', 'west'] })).to).toEqual(['east', 'west']);
    expect(parseSendMessage(JSON.stringify({ object, to: 'east' })).to).toBe('east');
    expect(refusal(() => parseSendMessage(JSON.stringify({ object, to: ['east', 'east'] })))).toEqual([
      'to: must not name a destination twice',
    ]);
    expect(() => parseSendMessage(JSON.stringify({ object, to: [] }))).toThrow(InvalidMessageError);
    expect(() => parseSendMessage(JSON.stringify({ object, to: ['bad key'] }))).toThrow(InvalidMessageError);
  });

  it('lists its own destinations and splits into one message per destination, every other field kept', () => {
    const message = parseSendMessage(
      JSON.stringify({ object, from: 'primary', to: ['east', 'west'], correlationId: 'c-1', op: 'delete' }),
    );
    expect(namedDestinations(message)).toEqual(['east', 'west']);
    expect(namedDestinations({ to: 'east' })).toEqual(['east']);
    expect(namedDestinations({})).toEqual([]);
    expect(splitByDestination(message, ['east', 'west'])).toEqual([
      { object, from: 'primary', to: 'east', correlationId: 'c-1', op: 'delete' },
      { object, from: 'primary', to: 'west', correlationId: 'c-1', op: 'delete' },
    ]);
  });
});

describe('a registry route with several targets', () => {
  const registry = parseRegistry({
    clusters: CLUSTERS,
    defaultRoute: { from: 'primary', to: ['east', 'west'], verify: true },
    routes: [{ from: 'primary', to: 'north' }],
  });

  it('is one route per target, each with the route options; the default route is its first target', () => {
    expect(registry.defaultRoutes?.map((r) => [r.to, r.verify])).toEqual([
      ['east', true],
      ['west', true],
    ]);
    expect(registry.defaultRoute?.to).toBe('east');
    expect(registry.routes.map((r) => r.to)).toEqual(['north']);
  });

  it('refuses a target twice and an unknown target, naming the route', () => {
    expect(problemsOf({ clusters: CLUSTERS, routes: [{ from: 'primary', to: ['east', 'east'] }] })).toEqual([
      'routes.0.to: must not name a target twice',
    ]);
    expect(problemsOf({ clusters: CLUSTERS, routes: [{ from: 'primary', to: ['east', 'south'] }] })).toEqual([
      'routes.0.to: no cluster "south"',
    ]);
  });

  it('resolves a message without `to` to every default target, and a named list or key to those alone', () => {
    expect(resolveRoutes(registry).map((r) => r.name)).toEqual(['primary->east', 'primary->west']);
    expect(resolveRoutes(registry, 'primary', ['west', 'north']).map((r) => r.name)).toEqual([
      'primary->west',
      'primary->north',
    ]);
    expect(resolveRoutes(registry, undefined, 'north').map((r) => r.destination.key)).toEqual(['north']);
    expect(resolveRoute(registry).name).toBe('primary->east');
  });

  it('refuses the whole message when one destination is not a configured route (never half routed)', () => {
    const bare = parseRegistry({ clusters: CLUSTERS, routes: [{ from: 'primary', to: ['east', 'west'] }] });
    expect(refusal(() => resolveRoutes(bare, 'primary', ['east', 'north']))).toEqual([
      'no configured route from "primary" to "north" (configured: primary->east, primary->west)',
    ]);
    expect(resolveRoutes(bare, 'primary', ['east', 'west'])).toHaveLength(2);
  });
});

describe('decideFanOut', () => {
  const attempts = { attempt: 1, maxAttempts: 3 };
  it('a split ends the message (fanned-out); one not enqueued is a retry, failed once the attempts run out', () => {
    expect(decideFanOut({ enqueued: true }, ['east', 'west'], attempts)).toEqual({
      outcome: 'already-present',
      reason: 'fanned-out',
      detail: 'one message per destination: east, west',
    });
    expect(decideFanOut({ enqueued: false, detail: 'x' }, ['east', 'west'], attempts)).toEqual({
      outcome: 'retry',
      reason: 'fan-out-unavailable',
      detail: 'x',
    });
    expect(decideFanOut({ enqueued: false, detail: 'x' }, ['east'], { attempt: 3, maxAttempts: 3 })).toEqual({
      outcome: 'failed',
      reason: 'fan-out-unavailable',
      detail: 'x',
      retriesExhausted: true,
    });
  });
});
