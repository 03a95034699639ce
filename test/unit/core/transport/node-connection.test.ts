import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { readBounded } from '../../../../functions/core/transport/node-connection.js';

type Body = Dispatcher.ResponseData['body'];
const body = (chunks: readonly Buffer[]) => Readable.from(chunks, { objectMode: false }) as unknown as Body;

describe('readBounded', () => {
  it('joins the chunks and decodes UTF-8 split across them', async () => {
    const bytes = Buffer.from('Remote cluster returned: 201 — Grüße\r\n', 'utf8');
    const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of the dash
    await expect(readBounded(body([bytes.subarray(0, cut), bytes.subarray(cut)]), 1024)).resolves.toBe(
      'Remote cluster returned: 201 — Grüße\r\n',
    );
    await expect(readBounded(body([]), 1024)).resolves.toBe('');
  });

  it('refuses a body over the limit and destroys the stream', async () => {
    const stream = body([Buffer.alloc(600), Buffer.alloc(600)]);
    await expect(readBounded(stream, 1000)).rejects.toMatchObject({ code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
    expect(stream.destroyed).toBe(true);
  });

  it('rejects a body whose stream fails or closes before its end, never reading it as complete', async () => {
    const failing = new Readable({ read() {} });
    failing.push('Remote cluster');
    setImmediate(() => failing.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })));
    await expect(readBounded(failing as unknown as Body, 1024)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    const cut = new Readable({ read() {} });
    cut.push('Remote cluster');
    setImmediate(() => cut.destroy());
    await expect(readBounded(cut as unknown as Body, 1024)).rejects.toMatchObject({
      code: 'ERR_STREAM_PREMATURE_CLOSE',
    });
    await expect(readBounded(cut as unknown as Body, 1024)).rejects.toMatchObject({
      code: 'ERR_STREAM_PREMATURE_CLOSE',
    });
  });

  it('rejects a body that failed or closed before it was read', async () => {
    const failed = new Readable({ read() {} });
    failed.on('error', () => undefined);
    failed.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    await new Promise((r) => setImmediate(r));
    await expect(readBounded(failed as unknown as Body, 1024)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    const closed = new Readable({ read() {} });
    closed.destroy();
    await expect(readBounded(closed as unknown as Body, 1024)).rejects.toMatchObject({
      code: 'ERR_STREAM_PREMATURE_CLOSE',
    });
  });

  it("names a premature close as Node's streams do, whether it came before or during the read", async () => {
    const premature = { code: 'ERR_STREAM_PREMATURE_CLOSE', message: 'Premature close' };
    const closed = new Readable({ read() {} });
    closed.destroy();
    await expect(readBounded(closed as unknown as Body, 1024)).rejects.toMatchObject(premature);
    const cut = new Readable({ read() {} });
    cut.push('x');
    setImmediate(() => cut.destroy());
    await expect(readBounded(cut as unknown as Body, 1024)).rejects.toMatchObject(premature);
  });

  it('builds no premature-close error for a whole body, whose close comes after its end', async () => {
    // Counts the errors the reader builds while it reads: `Error` is looked up when it is
    // called, so a stand-in that counts constructions sees them (Node's streams build theirs
    // with their own copy, which it does not see).
    const RealError = globalThis.Error;
    let built = 0;
    globalThis.Error = new Proxy(RealError, {
      construct(target, args: unknown[], newTarget: (...a: unknown[]) => unknown) {
        built += 1;
        return Reflect.construct(target, args, newTarget) as object;
      },
    });
    try {
      const whole = body([Buffer.from('Remote cluster returned: 201')]);
      await expect(readBounded(whole, 1024)).resolves.toBe('Remote cluster returned: 201');
      if (!whole.closed) await new Promise((r) => whole.once('close', r));
      expect(built).toBe(0);
      // The same count sees the error of a body closed before its end.
      const cut = new Readable({ read() {} });
      cut.push('Remote');
      setImmediate(() => cut.destroy());
      await expect(readBounded(cut as unknown as Body, 1024)).rejects.toMatchObject({
        code: 'ERR_STREAM_PREMATURE_CLOSE',
      });
      expect(built).toBe(1);
    } finally {
      globalThis.Error = RealError;
    }
  });
});
