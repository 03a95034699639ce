import { NodeLoad } from '../../../../functions/core/transport/nodes.js';
import { parseNodeAddress } from '../../../../functions/core/registry/registry.js';

const [a, b, c] = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'].map((hp) => parseNodeAddress(`http://${hp}`)) as [
  ReturnType<typeof parseNodeAddress>,
  ReturnType<typeof parseNodeAddress>,
  ReturnType<typeof parseNodeAddress>,
];
const origins = (nodes: readonly { origin: string }[]) => nodes.map((n) => n.origin);

describe('NodeLoad', () => {
  it('puts the nodes with the fewest requests in progress first, the given order breaking ties', () => {
    const load = new NodeLoad();
    load.track(a.origin, 1);
    load.track(a.origin, 1);
    load.track(b.origin, 1);
    expect(origins(load.leastBusyFirst([a, b, c], 0))).toStrictEqual([c.origin, b.origin, a.origin]);
    load.track(c.origin, 1);
    // b and c tie: they keep the round-robin order they were given in.
    expect(origins(load.leastBusyFirst([c, a, b], 0))).toStrictEqual([c.origin, b.origin, a.origin]);
    expect(origins(load.leastBusyFirst([b, a, c], 0))).toStrictEqual([b.origin, c.origin, a.origin]);
  });

  it('keeps the nodes before `from` in place (a hinted node stays first)', () => {
    const load = new NodeLoad();
    load.track(a.origin, 1);
    expect(origins(load.leastBusyFirst([a, b, c], 1))).toStrictEqual([a.origin, b.origin, c.origin]);
    load.track(b.origin, 2);
    expect(origins(load.leastBusyFirst([a, b, c], 1))).toStrictEqual([a.origin, c.origin, b.origin]);
  });

  it('forgets a node once its requests ended, so the given order holds again', () => {
    const load = new NodeLoad();
    load.track(a.origin, 1);
    expect(origins(load.leastBusyFirst([a, b], 0))).toStrictEqual([b.origin, a.origin]);
    load.track(a.origin, -1);
    expect(origins(load.leastBusyFirst([a, b], 0))).toStrictEqual([a.origin, b.origin]);
  });
});
