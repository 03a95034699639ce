import type { SQSRecord } from 'aws-lambda';
import type { Credentials } from '../../functions/core/transport/digest-auth.js';
import type { HeadResult, SendReport } from '../../functions/core/send/observation.js';
import type { OutcomeRecord } from '../../functions/core/outcome/outcome.js';
import type { SendInput } from '../../functions/core/send/send-client.js';
import type {
  CredentialsProvider,
  FanOutPart,
  QueueOps,
  Renewal,
  SendPort,
  Telemetry,
  WorkerDeps,
} from '../../functions/worker/ports.js';
import { testConfig } from './config.js';
import { LinkEstimates } from '../../functions/worker/link-estimates.js';
import { observed } from './observation.js';
import type { ObjectAnswer, ObjectMethod } from '../../functions/core/send/object-request.js';
import type { CopyInput, CopyResult } from '../../functions/core/copy/object-copy.js';

/*
 * Plain objects implementing the worker's ports, for unit tests of the worker's units: no
 * network, no SQS; each records what it was asked. `fakeDeps` takes its configuration from
 * `testConfig()` (config.ts) unless given one.
 */

export const ADMIN: Credentials = { username: 'admin', password: 'src-secret' };
export const DR_ADMIN: Credentials = { username: 'dradmin', password: 'dr-secret' };

/** A SendPort answering each SEND with the next scripted answer (the last one repeats). */
export class FakeSendPort implements SendPort {
  readonly inputs: SendInput[] = [];
  readonly heads: string[] = [];
  headAnswer: HeadResult = {
    status: 200,
    etag: '"e1"',
    contentLength: null,
    version: null,
    node: '10.0.1.1:80',
    error: null,
  };

  constructor(
    private readonly answers: ((input: SendInput) => SendReport | Promise<SendReport>)[] = [() => observed()],
  ) {}

  async observe(input: SendInput): Promise<SendReport> {
    this.inputs.push(input);
    const answer = this.answers[Math.min(this.inputs.length - 1, this.answers.length - 1)]!;
    return answer(input);
  }

  async close(): Promise<void> {}

  readonly copies: CopyInput[] = [];
  copyAnswer: CopyResult = { kind: 'failed', detail: 'copy: not scripted', requests: 0, bytes: 0 };

  async copy(input: CopyInput): Promise<CopyResult> {
    this.copies.push(input);
    return this.copyAnswer;
  }

  /** A cluster's own HEAD answer (by registry key), instead of `headAnswer`. */
  headAnswers: Record<string, HeadResult> = {};

  async head(cluster: { key: string }): Promise<HeadResult> {
    this.heads.push(cluster.key);
    return this.headAnswers[cluster.key] ?? this.headAnswer;
  }

  /** HEADs and DELETEs of a delete message, as `METHOD cluster-key`. */
  readonly objectRequests: string[] = [];
  /** The answer to each `METHOD cluster-key`; a request without one is a test's mistake. */
  objectAnswers: Record<string, ObjectAnswer> = {};

  async objectRequest(method: ObjectMethod, cluster: { key: string }): Promise<ObjectAnswer> {
    const key = `${method} ${cluster.key}`;
    this.objectRequests.push(key);
    const answer = this.objectAnswers[key];
    if (!answer) throw new Error(`no scripted answer for ${key}`);
    return answer;
  }
}

/** Credentials by reference; `fail` makes `get` reject with that error. */
export function fakeCredentials(
  values: Record<string, Credentials> = { src: ADMIN, dr: DR_ADMIN },
  fail?: unknown,
): CredentialsProvider & { refreshed: string[]; reads: string[] } {
  const refreshed: string[] = [];
  const reads: string[] = [];
  return {
    refreshed,
    reads,
    async get(ref) {
      reads.push(ref);
      if (fail !== undefined) throw fail;
      const v = values[ref];
      if (!v) throw new Error(`no ${ref}`);
      return v;
    },
    refresh: (ref) => void refreshed.push(ref),
  };
}

export class RecordingQueue implements QueueOps {
  readonly deadLettered: { record: SQSRecord; outcome: OutcomeRecord }[] = [];
  readonly published: OutcomeRecord[][] = [];
  readonly visibility: { id: string; seconds: number }[] = [];
  deadLetterFails = false;
  publishFails: number[] | 'reject' = [];
  visibilityFails = false;
  readonly fannedOut: { id: string; parts: FanOutPart[] }[] = [];
  fanOutFails = false;

  async changeVisibility(entries: readonly { record: SQSRecord; seconds: number }[]): Promise<void> {
    if (this.visibilityFails) throw Object.assign(new Error('refused'), { name: 'AccessDenied' });
    for (const e of entries) this.visibility.push({ id: e.record.messageId, seconds: e.seconds });
  }

  async deadLetter(record: SQSRecord, outcome: OutcomeRecord): Promise<OutcomeRecord> {
    if (this.deadLetterFails) throw Object.assign(new Error('DLQ down'), { name: 'ServiceUnavailable' });
    this.deadLettered.push({ record, outcome });
    return { ...outcome, detail: `${outcome.detail} (as written)` };
  }

  async publishOutcomes(outcomes: readonly OutcomeRecord[]): Promise<number[]> {
    this.published.push([...outcomes]);
    if (this.publishFails === 'reject') throw new Error('outcomes queue down');
    return this.publishFails;
  }

  async fanOut(record: SQSRecord, parts: readonly FanOutPart[]): Promise<void> {
    if (this.fanOutFails) throw Object.assign(new Error('queue down'), { name: 'ServiceUnavailable' });
    this.fannedOut.push({ id: record.messageId, parts: [...parts] });
  }

  /** Records moved to the large-object queue, by message id. */
  readonly moved: string[] = [];
  moveFails = false;

  async moveToLongRunningTier(record: SQSRecord): Promise<void> {
    if (this.moveFails) throw Object.assign(new Error('large-object queue down'), { name: 'ServiceUnavailable' });
    this.moved.push(record.messageId);
  }

  /** Records renewed on their own queue, with what each renewal carried. */
  readonly renewed: { id: string; renewal: Renewal }[] = [];
  renewFails = false;

  async renew(record: SQSRecord, renewal: Renewal): Promise<void> {
    if (this.renewFails) throw Object.assign(new Error('queue down'), { name: 'ServiceUnavailable' });
    this.renewed.push({ id: record.messageId, renewal });
  }
}

export class RecordingTelemetry implements Telemetry {
  readonly outcomes: { record: OutcomeRecord; sent: number | null }[] = [];
  readonly warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  flushes = 0;
  outcome(record: OutcomeRecord, sent: number | null): void {
    this.outcomes.push({ record, sent });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.warnings.push({ message, ...(fields && { fields }) });
  }
  flush(): void {
    this.flushes += 1;
  }
  of(messageId: string): OutcomeRecord | undefined {
    return this.outcomes.find((o) => o.record.messageId === messageId)?.record;
  }
}

export function fakeDeps(
  o: Partial<WorkerDeps> = {},
): WorkerDeps & { client: FakeSendPort; queue: RecordingQueue; telemetry: RecordingTelemetry } {
  return {
    config: testConfig(),
    client: new FakeSendPort(),
    credentials: fakeCredentials(),
    queue: new RecordingQueue(),
    telemetry: new RecordingTelemetry(),
    random: () => 0.5,
    linkEstimates: new LinkEstimates(),
    ...o,
  } as WorkerDeps & { client: FakeSendPort; queue: RecordingQueue; telemetry: RecordingTelemetry };
}
