import { InvalidMessageError } from '../../../../functions/core/errors.js';
import {
  describeObject,
  isNamed,
  isNodeHint,
  MAX_MESSAGE_BYTES,
  parseSendMessage,
  readSendMessage,
} from '../../../../functions/core/message/message.js';

// The limits of the SEND message at their exact edges, and how the problems of a refused message
// are named (path, at most ten of them).

const UUID = '97f7149dec6cbc0aa1e9425688158969';

const problemsOf = (body: unknown): readonly string[] => {
  try {
    readSendMessage(body as string);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError);
    return (err as InvalidMessageError).problems;
  }
  throw new Error('expected the message to be refused');
};

/** A body of exactly `bytes` UTF-8 bytes, padded in correlationId. */
const bodyOf = (bytes: number) => {
  const shell = JSON.stringify({ object: { uuid: UUID }, correlationId: '' });
  return JSON.stringify({ object: { uuid: UUID }, correlationId: 'x'.repeat(bytes - shell.length) });
};

describe('message limits', () => {
  it('takes a body of exactly 64 KiB and refuses one byte more, counting UTF-8 bytes', () => {
    expect(MAX_MESSAGE_BYTES).toBe(65_536);
    expect(() => parseSendMessage(bodyOf(MAX_MESSAGE_BYTES))).toThrow(/correlationId/);
    expect(problemsOf(bodyOf(MAX_MESSAGE_BYTES + 1))).toStrictEqual(['body is larger than 65536 bytes']);
    const wide = JSON.stringify({ object: { domain: 'd.example', bucket: 'b', name: 'é'.repeat(32_760) } });
    expect(wide.length).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(problemsOf(wide)).toStrictEqual(['body is larger than 65536 bytes']);
  });

  it('refuses a body that is not a string', () => {
    expect(problemsOf(42)).toStrictEqual(['body is not a string']);
  });

  it('takes names and correlation ids up to their limits, counted in code points', () => {
    expect(
      parseSendMessage(JSON.stringify({ object: { uuid: UUID }, correlationId: '😀'.repeat(256) })).correlationId,
    ).toHaveLength(512);
    expect(problemsOf(JSON.stringify({ object: { uuid: UUID }, correlationId: 'c'.repeat(257) }))[0]).toMatch(
      /^correlationId: /,
    );
    expect(problemsOf(JSON.stringify({ object: { uuid: UUID }, correlationId: '' }))[0]).toMatch(/^correlationId: /);
    expect(
      parseSendMessage(JSON.stringify({ object: { domain: 'd', bucket: 'b', name: 'n'.repeat(4096) } })).object,
    ).toMatchObject({ domain: 'd' });
    expect(problemsOf(JSON.stringify({ object: { domain: 'd', bucket: 'b', name: 'n'.repeat(4097) } }))[0]).toMatch(
      /^object/,
    );
  });

  it('takes domains up to 253 and buckets up to 255 characters', () => {
    const named = (domain: string, bucket: string) => JSON.stringify({ object: { domain, bucket, name: 'n' } });
    expect(() => parseSendMessage(named('d'.repeat(253), 'b'.repeat(255)))).not.toThrow();
    expect(problemsOf(named('d'.repeat(254), 'b'))).toHaveLength(1);
    expect(problemsOf(named('d', 'b'.repeat(256)))).toHaveLength(1);
    expect(problemsOf(named('-d', 'b'))).toHaveLength(1);
    expect(problemsOf(named('d-', 'b'))).toHaveLength(1);
    expect(() => parseSendMessage(named('a', 'b'))).not.toThrow();
  });

  it('takes registry keys of 1 to 64 characters', () => {
    expect(parseSendMessage(JSON.stringify({ object: { uuid: UUID }, from: 'k'.repeat(64), to: 'a' }))).toMatchObject({
      to: 'a',
    });
    expect(problemsOf(JSON.stringify({ object: { uuid: UUID }, to: 'k'.repeat(65) }))[0]).toMatch(/^to: /);
    expect(problemsOf(JSON.stringify({ object: { uuid: UUID }, from: '' }))[0]).toMatch(/^from: /);
  });

  it('takes up to eight feed ids from 0 to 1,000,000 and five types, and a timeout up to an hour', () => {
    const feeds = (f: unknown) => JSON.stringify({ object: { uuid: UUID }, feeds: f });
    expect(parseSendMessage(feeds({ ids: [0, 1, 2, 3, 4, 5, 6, 1_000_000], timeout: 3600 })).feeds?.ids).toHaveLength(
      8,
    );
    expect(
      parseSendMessage(feeds({ types: ['all', 'search', 'indexing', 'replication', 's3backup'], timeout: true })).feeds
        ?.types,
    ).toHaveLength(5);
    for (const bad of [
      { ids: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
      { ids: [-1] },
      { ids: [1_000_001] },
      { ids: [1.5] },
      { ids: [1], timeout: 3601 },
      { ids: [1], timeout: 0 },
      { ids: [1], force: 'yes' },
    ]) {
      expect(problemsOf(feeds(bad))[0]).toMatch(/^feeds/);
    }
    expect(problemsOf(feeds({ types: ['all', 'all', 'all', 'all', 'all', 'all'] }))[0]).toMatch(/^feeds/);
  });

  it('names each problem by its path, the body itself as "body", and at most ten', () => {
    expect(problemsOf('"text"')).toHaveLength(1);
    expect(problemsOf('"text"')[0]).toMatch(/^body: /);
    expect(problemsOf(JSON.stringify({ object: { uuid: UUID }, feeds: { ids: ['x'] } }))[0]).toMatch(
      /^feeds\.ids\.0: /,
    );
    const many = Object.fromEntries(['from', 'to', 'correlationId', 'version', 'feeds'].map((k) => [k, 99]));
    expect(problemsOf(JSON.stringify({ ...many, object: 1 })).length).toBe(6);
    const eleven = JSON.stringify({
      object: { uuid: UUID },
      feeds: { ids: Array.from({ length: 8 }, () => 'x'), types: ['a', 'b', 'c'] },
    });
    expect(problemsOf(eleven)).toHaveLength(10);
  });

  it('takes a node hint port from 1 to 65535 and up to 300 characters', () => {
    expect(isNodeHint('h:1')).toBe(true);
    expect(isNodeHint('h:65535')).toBe(true);
    expect(isNodeHint('h:0')).toBe(false);
    expect(isNodeHint('h:65536')).toBe(false);
    const host = `${'a'.repeat(63)}.`.repeat(4).slice(0, 253);
    expect(isNodeHint(`${host}:80`)).toBe(true);
    expect(isNodeHint(`[${'f'.repeat(295)}]:80`)).toBe(true);
    expect(isNodeHint(`[${'f'.repeat(296)}]:80`)).toBe(false);
    expect(isNodeHint(`${'a'.repeat(254)}:80`)).toBe(false);
  });
});

describe('object references', () => {
  it('tells named from unnamed objects and describes each', () => {
    expect(isNamed({ domain: 'd', bucket: 'b', name: 'n' })).toBe(true);
    expect(isNamed({ uuid: UUID })).toBe(false);
    expect(describeObject({ uuid: UUID, alias: true })).toBe(UUID);
    expect(describeObject({ domain: 'd', bucket: 'b', name: 'x/y' })).toBe('d/b/x/y');
  });

  it('keeps alias only when it is a boolean', () => {
    expect(parseSendMessage(JSON.stringify({ object: { uuid: UUID, alias: false } })).object).toStrictEqual({
      uuid: UUID,
      alias: false,
    });
    expect(problemsOf(JSON.stringify({ object: { uuid: UUID, alias: 'yes' } }))[0]).toMatch(/^object/);
  });
});
