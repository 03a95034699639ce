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

  it('isSwarmSendError matches the errors of this project, and copies of them by their shape', () => {
    expect(isSwarmSendError(new SwarmSendError('some-code', 'm'))).toBe(true);
    expect(isSwarmSendError(new InvalidMessageError(['p']))).toBe(true);
    expect(isSwarmSendError(Object.assign(new Error('from another bundle'), { code: 'invalid-config' }))).toBe(true);
  });

  it('isSwarmSendError refuses anything without a string code', () => {
    expect(isSwarmSendError(new Error('plain'))).toBe(false);
    expect(isSwarmSendError(Object.assign(new Error('numeric'), { code: 5 }))).toBe(false);
    expect(isSwarmSendError({ code: 'invalid-config', message: 'not an Error' })).toBe(false);
    expect(isSwarmSendError(new CredentialsError('env:X', 'unreadable'))).toBe(false);
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
