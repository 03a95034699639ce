import type { SQSRecord } from 'aws-lambda';
import type { Config } from '../../../functions/config.js';
import type { Credentials } from '../../../functions/core/digest-auth.js';
import type { HeadResult, SendObserved } from '../../../functions/core/observation.js';
import { observed } from '../../helpers/observation.js';
import type { OutcomeRecord } from '../../../functions/core/outcome.js';
import { parseRegistry } from '../../../functions/core/registry.js';
import type { SendInput } from '../../../functions/core/send-client.js';
import type { CopyInput, CopyResult } from '../../../functions/core/object-copy.js';
import type {
  CredentialsProvider,
  QueueOps,
  SendPort,
  Telemetry,
  WorkerDeps,
} from '../../../functions/worker/ports.js';

/*
 * Plain objects implementing the worker's ports, for unit tests of the worker's units: no
 * network, no SQS; each records what it was asked.
 */

export const ADMIN: Credentials = { username: 'admin', password: 'src-secret' };
export const DR_ADMIN: Credentials = { username: 'dradmin', password: 'dr-secret' };

export function config(o: Partial<Config> & { verify?: boolean } = {}): Config {
  const { verify, ...rest } = o;
  return {
    registry: parseRegistry({
      clusters: {
        primary: { name: 'baker', nodes: ['10.0.0.1:80'], credentials: 'src' },
        dr: { name: 'dr', target: '10.0.1.1:80', credentials: 'dr' },
      },
      defaultRoute: { from: 'primary', to: 'dr', ...(verify && { verify: true }), replicationFeeds: [2] },
    }),
    dlqUrl: 'http://127.0.0.1/dlq',
    outcomesQueueUrl: 'http://127.0.0.1/outcomes',
    maxAttempts: 3,
    concurrency: 4,
    concurrencyPerNode: 4,
    backoffBaseSeconds: 10,
    backoffCapSeconds: 100,
    deadlineMarginMs: 100,
    ...rest,
  };
}

export { observed };

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
    private readonly answers: ((input: SendInput) => SendObserved | Promise<SendObserved>)[] = [() => observed()],
  ) {}

  async observe(input: SendInput): Promise<SendObserved> {
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

  async head(cluster: { key: string }): Promise<HeadResult> {
    this.heads.push(cluster.key);
    return this.headAnswer;
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
    config: config(),
    client: new FakeSendPort(),
    credentials: fakeCredentials(),
    queue: new RecordingQueue(),
    telemetry: new RecordingTelemetry(),
    random: () => 0.5,
    ...o,
  } as WorkerDeps & { client: FakeSendPort; queue: RecordingQueue; telemetry: RecordingTelemetry };
}

/** A Lambda context with plenty of time left. */
export const roomy = { getRemainingTimeInMillis: () => 60_000 };
