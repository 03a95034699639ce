import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, UsageError } from '../../../cli/command.js';
import { BatchEntriesFailedError } from '../../../functions/adapters/sqs-batches.js';
import { ListingError, ListingPageError } from '../../../functions/core/listing/listing.js';
import { DiscoveryError } from '../../../functions/reconcile/buckets.js';
import { ContinuationError } from '../../../functions/reconcile/continuations.js';
import { SideFailure } from '../../../functions/reconcile/side-pages.js';
import { DeadlineError } from '../../../functions/worker/deadline.js';
import { PipelinePropsError } from '../../../infra/errors.js';
import {
  ConfigError,
  CredentialsError,
  errorText,
  InvalidMessageError,
  isSwarmSendError,
  stackOf,
  SwarmSendError,
} from '../../../functions/core/errors.js';

describe('the project errors', () => {
  it('a ConfigError lists every problem and names the configuration unless told what it is', () => {
    const plain = new ConfigError(['a is missing', 'b is bad']);
    expect(plain.message).toBe('invalid configuration:\n  - a is missing\n  - b is bad');
    expect(plain).toMatchObject({
      code: 'invalid-config',
      name: 'ConfigError',
      problems: ['a is missing', 'b is bad'],
    });
    expect(new ConfigError(['x'], 'cluster registry').message).toBe('invalid cluster registry:\n  - x');
  });

  it('a SwarmSendError carries its code and message, and its own name', () => {
    const e = new SwarmSendError('some-code', 'it broke', { cause: 'x' });
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'SwarmSendError', code: 'some-code', message: 'it broke', cause: 'x' });
    expect(String(e)).toBe('SwarmSendError: it broke');
  });

  it('an InvalidMessageError joins its problems into one line', () => {
    const e = new InvalidMessageError(['uuid: not 32 hex', 'bucket: too long']);
    expect(e.message).toBe('invalid message: uuid: not 32 hex; bucket: too long');
    expect(e).toMatchObject({
      name: 'InvalidMessageError',
      code: 'invalid-message',
      problems: ['uuid: not 32 hex', 'bucket: too long'],
    });
  });

  it('isSwarmSendError matches the errors of this project, and a copy of them from another bundle by its brand', () => {
    expect(isSwarmSendError(new SwarmSendError('some-code', 'm'))).toBe(true);
    expect(isSwarmSendError(new InvalidMessageError(['p']))).toBe(true);
    // Another copy of errors.ts brands its errors with the same registered symbol.
    const copy = Object.defineProperty(
      Object.assign(new Error('from another bundle'), { code: 'invalid-config' }),
      Symbol.for('swarm-send.error'),
      { value: true },
    );
    expect(isSwarmSendError(copy)).toBe(true);
  });

  it('isSwarmSendError refuses every foreign error and object, whatever its code', async () => {
    expect(isSwarmSendError(new Error('plain'))).toBe(false);
    expect(isSwarmSendError(Object.assign(new Error('numeric'), { code: 5 }))).toBe(false);
    expect(isSwarmSendError(Object.assign(new Error('shaped like ours'), { code: 'invalid-config' }))).toBe(false);
    expect(isSwarmSendError({ code: 'invalid-config', message: 'not an Error' })).toBe(false);
    expect(isSwarmSendError({ [Symbol('swarm-send.error')]: true, code: 'invalid-config' })).toBe(false);
    expect(isSwarmSendError(null)).toBe(false);
    expect(isSwarmSendError('invalid-config')).toBe(false);
    const refused = await connectionRefused();
    expect(refused).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(isSwarmSendError(refused)).toBe(false);
  });
});

/** Node's own system error: a connection to a loopback port nothing listens on (just closed). */
async function connectionRefused(): Promise<NodeJS.ErrnoException> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return new Promise((resolve) => connect(port, '127.0.0.1').on('error', resolve));
}

describe('every error this project throws on purpose', () => {
  const listing = new ListingError('unavailable', 'busy', 503);
  it.each([
    ['ConfigError', new ConfigError(['p']), ConfigError, 'invalid-config'],
    ['InvalidMessageError', new InvalidMessageError(['p']), InvalidMessageError, 'invalid-message'],
    ['CredentialsError', new CredentialsError('env:X', 'unset'), CredentialsError, 'credentials-unavailable'],
    [
      'CredentialsError',
      new CredentialsError('env:X', 'a control character', 'credentials-invalid'),
      CredentialsError,
      'credentials-invalid',
    ],
    ['DeadlineError', new DeadlineError(), DeadlineError, 'batch-deadline'],
    ['ListingPageError', new ListingPageError('not-json', 'x'), ListingPageError, 'not-json'],
    ['ListingError', listing, ListingError, 'unavailable'],
    [
      'BatchEntriesFailedError',
      new BatchEntriesFailedError('op', [], 0),
      BatchEntriesFailedError,
      'batch-entries-failed',
    ],
    ['DiscoveryError', new DiscoveryError('source', listing), DiscoveryError, 'unavailable'],
    ['DiscoveryError', new DiscoveryError(null, new Error('bug')), DiscoveryError, 'internal'],
    ['ContinuationError', new ContinuationError('not JSON'), ContinuationError, 'invalid-continuation'],
    ['SideFailure', new SideFailure('dr', listing), SideFailure, 'listing-failed'],
    ['UsageError', new UsageError('--nope'), UsageError, 'usage'],
    ['CommandError', new CommandError('queue unreachable'), CommandError, 'command-failed'],
    ['PipelinePropsError', new PipelinePropsError('Pipeline', ['p']), PipelinePropsError, 'invalid-props'],
  ] as const)('%s extends SwarmSendError, passes isSwarmSendError, has its code and name', (name, err, cls, code) => {
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(SwarmSendError);
    expect(isSwarmSendError(err)).toBe(true);
    expect(err.code).toBe(code);
    expect(err.name).toBe(name);
  });

  it('is every error class in the product: none extends Error but SwarmSendError', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const own = ['functions', 'cli', 'simulator', 'local', 'infra'].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .flatMap((f) =>
          [
            ...readFileSync(join(root, dir, f), 'utf8').matchAll(
              /class (\w+) extends (?:Error|TypeError|RangeError)\b/g,
            ),
          ].map((m) => m[1]),
        ),
    );
    expect(own).toStrictEqual(['SwarmSendError']);
  });
});

describe('error text for the log', () => {
  it("gives an error's name and message, and anything else as a string", () => {
    expect(errorText(Object.assign(new Error('refused'), { name: 'AccessDenied' }))).toBe('AccessDenied: refused');
    expect(errorText('socket hang up')).toBe('socket hang up');
    expect(errorText(undefined)).toBe('undefined');
  });

  it("gives an error's stack, or its name and message when it has none", () => {
    const err = new TypeError('boom');
    expect(stackOf(err)).toBe(err.stack);
    expect(stackOf(Object.assign(new TypeError('boom'), { stack: undefined }))).toBe('TypeError: boom');
    expect(stackOf(42)).toBe('42');
  });
});
