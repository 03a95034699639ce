import { UsageError } from '../../../cli/command.js';
import {
  COUNT,
  durationFlag,
  idListFlag,
  listFlag,
  numberFlag,
  optionalNumberFlag,
  parseCommandLine,
  parseDuration,
  parseNumber,
} from '../../../cli/flags.js';

describe('the CLI flag parser', () => {
  it('reads plain decimal numbers and nothing else', () => {
    expect(parseNumber('0')).toBe(0);
    expect(parseNumber('42')).toBe(42);
    expect(parseNumber('2.5')).toBe(2.5);
    for (const bad of ['', ' ', 'abc', '1e3', '-1', '+1', '0x10', ' 5', '5 ', '1,000', 'Infinity', 'NaN', '.5', '5.'])
      expect(parseNumber(bad)).toBeNull();
  });

  it('applies the spec: whole numbers, bounds, positive', () => {
    expect(parseNumber('2.5', { integer: true })).toBeNull();
    expect(parseNumber('0', COUNT)).toBeNull();
    expect(parseNumber('1', COUNT)).toBe(1);
    expect(parseNumber('65536', { integer: true, max: 65_535 })).toBeNull();
    expect(parseNumber('65535', { integer: true, max: 65_535 })).toBe(65_535);
    expect(parseNumber('0', { positive: true })).toBeNull();
    expect(parseNumber('0.1', { positive: true })).toBe(0.1);
  });

  it('a numeric flag that does not fit is a UsageError naming the flag, the rule and the value; never a default', () => {
    expect(() => numberFlag({ peek: 'abc' }, 'peek', 1000, { integer: true })).toThrow(
      new UsageError('--peek must be a whole number, at least 0 (got "abc")'),
    );
    expect(() => numberFlag({ n: '0' }, 'n', 1, COUNT)).toThrow('--n must be a whole number, at least 1 (got "0")');
    expect(() => numberFlag({ port: '70000' }, 'port', 0, { integer: true, min: 0, max: 65_535 })).toThrow(
      '--port must be an integer from 0 to 65535 (got "70000")',
    );
    expect(() => numberFlag({ max: '0' }, 'max', Infinity, { positive: true })).toThrow(
      '--max must be a positive number (got "0")',
    );
    expect(() => numberFlag({ t: '' }, 't', 5)).toThrow(UsageError);
  });

  it('an absent numeric flag takes the fallback (or undefined); a present one its value', () => {
    expect(numberFlag({}, 'peek', 1000)).toBe(1000);
    expect(optionalNumberFlag({}, 'peek')).toBeUndefined();
    expect(numberFlag({ peek: '7' }, 'peek', 1000)).toBe(7);
    expect(optionalNumberFlag({ peek: '0' }, 'peek')).toBe(0);
  });

  it('lists take repeated and comma-separated values; id lists name the bad id', () => {
    expect(listFlag({ source: ['a:1,b:2', ' c:3 ', ''] }, 'source')).toStrictEqual(['a:1', 'b:2', 'c:3']);
    expect(listFlag({}, 'source')).toStrictEqual([]);
    expect(idListFlag({ 'feed-id': ['1,2', '3'] }, 'feed-id', 'a number')).toStrictEqual([1, 2, 3]);
    expect(() => idListFlag({ 'feed-id': ['1', 'x'] }, 'feed-id', 'a number')).toThrow('--feed-id "x" is not a number');
  });

  it('durations take ms, s, m, h, d (seconds without a unit) and reject anything else', () => {
    expect(parseDuration('10m', '--grace')).toBe(600_000);
    expect(parseDuration('500ms', '--grace')).toBe(500);
    expect(parseDuration('0', '--grace')).toBe(0);
    expect(parseDuration('1.5h', '--grace')).toBe(5_400_000);
    expect(durationFlag({}, 'grace', 123)).toBe(123);
    expect(() => durationFlag({ grace: 'soon' }, 'grace', 0)).toThrow('--grace "soon" is not a duration');
    expect(() => parseDuration('-1s', '--grace')).toThrow(UsageError);
  });

  it('parses a command line strictly: unknown flags, missing values and stray positionals are usage errors', () => {
    const options = { peek: { type: 'string' }, json: { type: 'boolean' } } as const;
    const parsed = parseCommandLine(options, ['--peek', '5', '--json']);
    expect({ ...parsed.values }).toStrictEqual({ peek: '5', json: true });
    expect(parsed.positionals).toStrictEqual([]);
    expect(() => parseCommandLine(options, ['--bogus'])).toThrow(UsageError);
    expect(() => parseCommandLine(options, ['--bogus'])).toThrow('unknown flag --bogus');
    expect(() => parseCommandLine(options, ['--peek'])).toThrow(UsageError);
    expect(() => parseCommandLine(options, ['stray'])).toThrow(UsageError);
    expect(parseCommandLine(options, ['obj'], true).positionals).toStrictEqual(['obj']);
  });

  it('takes a lone "-" as a value (standard input), and refuses a flag where a value belongs', () => {
    const options = { file: { type: 'string' }, json: { type: 'boolean' } } as const;
    expect(parseCommandLine(options, ['--file', '-']).values.file).toBe('-');
    expect(parseCommandLine(options, ['--file=--json']).values.file).toBe('--json');
    expect(() => parseCommandLine(options, ['--file', '--json'])).toThrow(
      '--file needs a value, not the flag "--json" (write --file=--json if that is the value)',
    );
    expect(() => parseCommandLine(options, ['--json=yes'])).toThrow('--json takes no value');
  });
});
