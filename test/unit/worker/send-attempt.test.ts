import { CredentialsError } from '../../../functions/core/errors.js';
import { resolveRoute } from '../../../functions/core/registry/registry.js';
import { DeadlineError } from '../../../functions/worker/deadline.js';
import { attemptSend, type SendRequest } from '../../../functions/worker/send-attempt.js';
import { observed } from '../../helpers/observation.js';
import { offlineRegistry } from '../../helpers/config.js';
import { ADMIN, DR_ADMIN, FakeSendPort, fakeCredentials, fakeDeps } from '../../helpers/fake-ports.js';

const UUID = 'a'.repeat(32);
function request(o: { verify?: boolean; nodeHint?: string } = {}): SendRequest {
  const route = resolveRoute(offlineRegistry({ verify: o.verify }));
  return {
    route,
    message: { object: { uuid: UUID }, ...(o.nodeHint && { nodeHint: o.nodeHint }) } as SendRequest['message'],
    replicationFeeds: [],
  };
}
const open = () => new AbortController().signal;

describe('attemptSend: one SEND and what the worker learns around it', () => {
  it('sends with both clusters credentials and reports what it observed, undecided', async () => {
    const deps = fakeDeps();
    const h = await attemptSend(request(), deps, open(), open());
    expect(h).toStrictEqual({
      kind: 'sent',
      send: observed(),
      answer: { outcome: 'replicated', reason: 'created' },
      handedBack: false,
      verifyProblem: null,
    });
    expect(deps.client.inputs[0]).toMatchObject({
      credentials: ADMIN,
      destinationCredentials: DR_ADMIN,
      object: { uuid: UUID },
      source: { key: 'primary' },
      destination: { key: 'dr' },
    });
  });

  it('says a SEND the straggler policy aborted (not the deadline) was handed back', async () => {
    const straggler = new AbortController();
    const deps = fakeDeps({
      client: new FakeSendPort([
        () => (straggler.abort(), observed({ httpStatus: null, remoteStatus: null, error: 'deadline-exceeded' })),
      ]),
    });
    const h = await attemptSend(request(), deps, straggler.signal, open());
    expect(h).toMatchObject({ kind: 'sent', handedBack: true });
  });

  it('does not call a SEND the batch deadline aborted handed back', async () => {
    const deadline = new AbortController();
    const deps = fakeDeps({
      client: new FakeSendPort([
        () => (deadline.abort(), observed({ httpStatus: null, remoteStatus: null, error: 'deadline-exceeded' })),
      ]),
    });
    const h = await attemptSend(request(), deps, deadline.signal, deadline.signal);
    expect(h).toMatchObject({ kind: 'sent', handedBack: false, send: { observation: { error: 'deadline-exceeded' } } });
  });

  it('tries once more with rotated credentials after an auth rejection, counting both SENDs requests', async () => {
    let reads = 0;
    const rotating = {
      ...fakeCredentials(),
      get: async (ref: string) =>
        ref === 'src' ? { ...ADMIN, password: reads++ ? 'rotated' : ADMIN.password } : DR_ADMIN,
      refresh: () => undefined,
    };
    const client = new FakeSendPort([
      () => observed({ httpStatus: 401, remoteStatus: null, error: 'auth-rejected' }, { requests: 2, busy: 1 }),
      () => observed({}, { requests: 1 }),
    ]);
    const h = await attemptSend(request(), fakeDeps({ client, credentials: rotating }), open(), open());
    expect(client.inputs.map((i) => i.credentials.password)).toStrictEqual([ADMIN.password, 'rotated']);
    expect(h).toMatchObject({ kind: 'sent', send: { requests: 3, busy: 1, observation: { remoteStatus: 201 } } });
  });

  it('does not SEND again when the re-read credentials are the same', async () => {
    const credentials = fakeCredentials();
    const client = new FakeSendPort([() => observed({ remoteStatus: 401 })]);
    const h = await attemptSend(request(), fakeDeps({ client, credentials }), open(), open());
    expect(client.inputs).toHaveLength(1);
    expect(credentials.refreshed).toStrictEqual(['src', 'dr']);
    expect(h).toMatchObject({ kind: 'sent', send: { observation: { remoteStatus: 401 } } });
  });

  it('reports a failed re-read of the credentials after an auth rejection as not sent, without a second SEND', async () => {
    let reads = 0;
    const flaky = {
      get: async (ref: string) => {
        if (reads++ >= 2) throw new Error('Secrets Manager: ThrottlingException');
        return ref === 'src' ? ADMIN : DR_ADMIN;
      },
      refresh: () => undefined,
    };
    const client = new FakeSendPort([() => observed({ httpStatus: 401, remoteStatus: null, error: 'auth-rejected' })]);
    const h = await attemptSend(request(), fakeDeps({ client, credentials: flaky }), open(), open());
    expect(client.inputs).toHaveLength(1);
    expect(h).toMatchObject({ kind: 'not-sent', reason: 'credentials-unavailable' });
  });

  it.each([
    ['a read failure', new Error('Secrets Manager: ThrottlingException'), 'credentials-unavailable'],
    [
      'credentials that can never be used',
      new CredentialsError('src', 'credentials "src": a control character', 'credentials-invalid'),
      'credentials-invalid',
    ],
  ])('reports %s of the credentials port as not sent, sending nothing', async (_what, err, reason) => {
    const deps = fakeDeps({ credentials: fakeCredentials(undefined, err) });
    await expect(attemptSend(request(), deps, open(), open())).resolves.toMatchObject({ kind: 'not-sent', reason });
    expect(deps.client.inputs).toHaveLength(0);
  });

  it('rejects with DeadlineError when the credentials do not arrive before the deadline', async () => {
    const deadline = new AbortController();
    const deps = fakeDeps({ credentials: { get: () => new Promise(() => undefined), refresh: () => undefined } });
    const h = attemptSend(request(), deps, deadline.signal, deadline.signal);
    deadline.abort();
    await expect(h).rejects.toBeInstanceOf(DeadlineError);
  });

  it('lets a bug in the SEND port through (the caller makes it internal-error)', async () => {
    const deps = fakeDeps({
      client: new FakeSendPort([
        () => {
          throw new TypeError('boom');
        },
      ]),
    });
    await expect(attemptSend(request(), deps, open(), open())).rejects.toThrow(TypeError);
  });

  it("verifies a success on a verify route, and reports the copy's problem", async () => {
    const deps = fakeDeps();
    deps.client.headAnswer = {
      status: 404,
      etag: null,
      contentLength: null,
      version: null,
      node: null,
      error: null,
    };
    const h = await attemptSend(request({ verify: true }), deps, open(), open());
    expect(deps.client.heads).toStrictEqual(['dr']);
    expect(h).toMatchObject({ kind: 'sent', verifyProblem: 'destination HEAD answered 404' });
  });

  it('verifies nothing after a failure, nor on a route without verify', async () => {
    const failing = fakeDeps({ client: new FakeSendPort([() => observed({ httpStatus: 503, remoteStatus: null })]) });
    await attemptSend(request({ verify: true }), failing, open(), open());
    const plain = fakeDeps();
    await attemptSend(request(), plain, open(), open());
    expect([...failing.client.heads, ...plain.client.heads]).toStrictEqual([]);
  });

  it('warns when the node hint was ignored', async () => {
    const deps = fakeDeps({ client: new FakeSendPort([() => observed({}, { hintIgnored: true })]) });
    await attemptSend(request({ nodeHint: '10.9.9.9:80' }), deps, open(), open());
    expect(deps.telemetry.warnings).toStrictEqual([
      {
        message: 'node hint outside the source cluster ignored',
        fields: { nodeHint: '10.9.9.9:80', cluster: 'primary' },
      },
    ]);
  });
});
