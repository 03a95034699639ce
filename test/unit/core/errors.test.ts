import {
  ConfigError,
  CredentialsError,
  InvalidMessageError,
  isSwarmSendError,
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
