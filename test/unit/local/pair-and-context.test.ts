import { lambdaContext } from '../../../local/lambda-context.js';
import { pairRegistry, pairRegistryDocument } from '../../../local/pair-registry.js';

describe('pairRegistryDocument', () => {
  it('names the source baker under primary and the DR dr under dr, with the default route between them', () => {
    expect(
      pairRegistryDocument({ source: ['127.0.0.1:1', '127.0.0.1:2'], dr: ['127.0.0.1:3'], credentials: 'env:A' }),
    ).toStrictEqual({
      clusters: {
        primary: { name: 'baker', nodes: ['127.0.0.1:1', '127.0.0.1:2'], credentials: 'env:A' },
        dr: { name: 'dr', target: '127.0.0.1:3', nodes: ['127.0.0.1:3'], credentials: 'env:A' },
      },
      defaultRoute: { from: 'primary', to: 'dr' },
    });
  });

  it('takes separate credentials, the source networks, other DR nodes and verify', () => {
    const registry = pairRegistry({
      source: ['127.0.0.1:1'],
      dr: ['127.0.0.1:3'],
      drNodes: ['127.0.0.1:4'],
      networks: ['127.0.0.0/8'],
      credentials: { source: 'env:S', dr: 'env:D' },
      verify: true,
    });
    expect(registry.clusters.primary).toMatchObject({ credentials: 'env:S' });
    expect(registry.clusters.primary!.networks.map((n) => n.text)).toStrictEqual(['127.0.0.0/8']);
    expect(registry.clusters.dr).toMatchObject({ credentials: 'env:D', target: '127.0.0.1:3' });
    expect(registry.clusters.dr!.nodes.map((n) => n.port)).toStrictEqual([4]);
    expect(registry.defaultRoute).toMatchObject({ from: 'primary', to: 'dr', verify: true });
  });

  it('refuses a DR cluster without a node', () => {
    expect(() => pairRegistryDocument({ source: ['127.0.0.1:1'], dr: [], credentials: 'env:A' })).toThrow(
      'the DR cluster has no node',
    );
  });
});

describe('lambdaContext', () => {
  it('counts the remaining time down from the timeout, never below zero', async () => {
    const context = lambdaContext(40, { functionName: 'f', region: 'eu-west-1' });
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(40);
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:eu-west-1:000000000000:function:f');
    await new Promise((r) => setTimeout(r, 60));
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });

  it('gives each invocation its own request id', () => {
    expect(lambdaContext(1000).awsRequestId).not.toBe(lambdaContext(1000).awsRequestId);
  });
});
