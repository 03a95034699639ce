import { readFileSync } from 'node:fs';
import { PRODUCT_NAME, PRODUCT_VERSION, USER_AGENT } from '../../../../functions/core/send/scsp-request.js';

describe('the product name and version', () => {
  it('are the ones package.json publishes', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
      name: string;
      version: string;
    };
    expect([PRODUCT_NAME, PRODUCT_VERSION]).toStrictEqual([pkg.name, pkg.version]);
  });

  it('give the user agent as name/major.minor', () => {
    expect(USER_AGENT).toBe('swarm-send/0.2');
  });
});
