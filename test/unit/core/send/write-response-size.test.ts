import { sizeFromWrite } from '../../../../functions/core/send/write-response.js';

describe('sizeFromWrite', () => {
  it('reads the Content-Length the producer sent, in any case, from a record or a Headers', () => {
    expect(sizeFromWrite({ 'Content-Length': '1048576' })).toBe(1_048_576);
    expect(sizeFromWrite({ 'content-length': 0 })).toBe(0);
    expect(sizeFromWrite(new Headers({ 'content-length': '4398046511104' }))).toBe(4_398_046_511_104);
    expect(sizeFromWrite({ 'CONTENT-LENGTH': [' 42 '] })).toBe(42);
  });

  it('is null for a chunked write (no Content-Length)', () => {
    expect(sizeFromWrite({ 'Transfer-Encoding': 'chunked' })).toBeNull();
    expect(sizeFromWrite(new Headers())).toBeNull();
  });

  it('is null for a value that is not one whole number of bytes, never a guess', () => {
    for (const bad of ['', '-1', '1.5', '1e9', 'abc', '12 34', '99999999999999999'])
      expect(sizeFromWrite({ 'content-length': bad })).toBeNull();
    expect(sizeFromWrite({ 'content-length': ['1', '2'] })).toBeNull();
    expect(sizeFromWrite({ 'content-length': -3 })).toBeNull();
    expect(sizeFromWrite({ 'content-length': 2.5 })).toBeNull();
  });
});
