import { buildSendHeaders, buildSendTarget } from '../../../../functions/core/send/scsp-request.js';

describe('buildSendTarget', () => {
  it('builds the legacy SEND request-target for an alias', () => {
    expect(buildSendTarget({ uuid: '97F7149DEC6CBC0AA1E9425688158969', alias: true })).toBe(
      '/97f7149dec6cbc0aa1e9425688158969?alias&admin',
    );
  });

  it('percent-encodes a named object segment by segment and names its domain', () => {
    expect(buildSendTarget({ domain: 'acme.example.com', bucket: 'in voices', name: 'a/b c/ü?#&.pdf' })).toBe(
      '/in%20voices/a/b%20c/%C3%BC%3F%23%26.pdf?admin&domain=acme.example.com',
    );
  });

  it('sends "." and ".." name segments and buckets encoded (%2E), never as path steps', () => {
    expect(buildSendTarget({ domain: 'd', bucket: 'b', name: '../../other/x' })).toBe(
      '/b/%2E%2E/%2E%2E/other/x?admin&domain=d',
    );
    expect(buildSendTarget({ domain: 'd', bucket: '..', name: './a/./..' })).toBe(
      '/%2E%2E/%2E/a/%2E/%2E%2E?admin&domain=d',
    );
    expect(buildSendTarget({ domain: 'd', bucket: '.', name: '...' })).toBe('/%2E/...?admin&domain=d');
  });

  it('adds the feed arguments of the 11.2 SEND', () => {
    expect(
      buildSendTarget(
        { uuid: '4d0a5b5c9e1f2a3b4c5d6e7f8091a2b3' },
        { ids: [2, 'all'], types: ['replication'], timeout: 60, force: true },
      ),
    ).toBe('/4d0a5b5c9e1f2a3b4c5d6e7f8091a2b3?admin&feedid=2&feedid=all&feedtype=replication&timeout=60&force=true');
  });
});

describe('buildSendTarget feed arguments', () => {
  it('says force=false when the message turns force off, and leaves force out when it says nothing', () => {
    const uuid = { uuid: '4d0a5b5c9e1f2a3b4c5d6e7f8091a2b3' };
    expect(buildSendTarget(uuid, { ids: [2], force: false })).toBe(`/${uuid.uuid}?admin&feedid=2&force=false`);
    expect(buildSendTarget(uuid, { ids: [2] })).toBe(`/${uuid.uuid}?admin&feedid=2`);
  });
});

describe('buildSendHeaders', () => {
  it('sends the legacy trio, Castor-System-Auth only when given, and an empty body', () => {
    expect(buildSendHeaders({ cluster: 'dr', target: '192.168.1.13:80' }, 'ua')).toStrictEqual({
      'content-length': '0',
      'user-agent': 'ua',
      'castor-system-cluster': 'dr',
      'castor-system-target': '192.168.1.13:80',
    });
    expect(
      buildSendHeaders({ cluster: 'dr', target: 't', remoteAuth: { username: 'u', password: 'p' } }, 'ua')[
        'castor-system-auth'
      ],
    ).toBe('u:p');
  });

  it('leaves the legacy headers out of a feed SEND', () => {
    expect(buildSendHeaders(null, 'ua')).toStrictEqual({ 'content-length': '0', 'user-agent': 'ua' });
  });
});
