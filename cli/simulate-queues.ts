import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { derivedMaxReceiveCount, ENV_DEFAULTS, QUEUE_DEFAULTS } from '../functions/env.js';
import { pairRegistryDocument } from '../local/pair-registry.js';

/**
 * `swarm-send simulate --with-queues`: fauxqs (an SQS server) on the simulator's interface, the
 * SEND queue and its DLQ laid out as the construct lays them out, and a registry of the simulated
 * pair whose credentials are a file (mode 0600), so the command lines it prints carry no secret.
 */

/** A word a POSIX shell reads back as itself: as it is when plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * How the printed lines start the command line: this Node and this launcher, by absolute path,
 * so they run as printed whether the package came with `npm install` (no `swarm-send` on PATH),
 * `npm install -g` or `npx`.
 */
const LAUNCHER = [process.execPath, process.argv[1] ?? 'swarm-send'].map(shellWord).join(' ');

export interface SimulatedQueues {
  readonly endpoint: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** The directory holding the registry, the credentials and the objects file; removed by close. */
  readonly dir: string;
  readonly registryFile: string;
  readonly objectsFile: string;
  /** `swarm-send worker` against these queues and this registry. */
  readonly workerCommand: string;
  /** `swarm-send enqueue` of the seeded objects. */
  readonly enqueueCommand: string;
  close(): Promise<void>;
}

export interface SimulatedQueuesOptions {
  readonly host: string;
  readonly port: number;
  readonly source: readonly string[];
  readonly dr: readonly string[];
  readonly user: string;
  readonly password: string;
  /** Alias objects seeded on the source: the objects file lists them. */
  readonly seeded: readonly string[];
}

/** Short: the worker keeps a message invisible on a heartbeat while its SEND runs. */
const VISIBILITY_TIMEOUT_SECONDS = 60;

async function createQueues(sqs: SQSClient): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlqUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'swarm-send-dlq',
        Attributes: { MessageRetentionPeriod: String(QUEUE_DEFAULTS.DEAD_LETTER_RETENTION_SECONDS) },
      }),
    )
  ).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  const queueUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'swarm-send',
        Attributes: {
          VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: String(derivedMaxReceiveCount(ENV_DEFAULTS.MAX_ATTEMPTS)),
          }),
        },
      }),
    )
  ).QueueUrl!;
  return { queueUrl, dlqUrl };
}

/** Starts fauxqs on `host` only (its own `startFauxqs` listens on every interface) and creates the queues. */
export async function startSimulatedQueues(o: SimulatedQueuesOptions): Promise<SimulatedQueues> {
  const app = buildApp({ logger: false });
  await app.listen({ host: o.host, port: o.port });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'swarm-send-simulate-'));
  const sqs = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'simulate', secretAccessKey: 'simulate' },
  });
  try {
    const { queueUrl, dlqUrl } = await createQueues(sqs);
    const credentialsFile = join(dir, 'admin.json');
    writeFileSync(credentialsFile, JSON.stringify({ username: o.user, password: o.password }), { mode: 0o600 });
    chmodSync(credentialsFile, 0o600);
    const registryFile = join(dir, 'registry.json');
    const registry = pairRegistryDocument({ source: o.source, dr: o.dr, credentials: `file:${credentialsFile}` });
    writeFileSync(registryFile, `${JSON.stringify(registry, null, 2)}\n`);
    const objectsFile = join(dir, 'objects.txt');
    writeFileSync(objectsFile, o.seeded.map((u) => `${u}\n`).join(''));
    return {
      endpoint,
      queueUrl,
      dlqUrl,
      dir,
      registryFile,
      objectsFile,
      workerCommand: `${LAUNCHER} worker --queue-url ${queueUrl} --dlq-url ${dlqUrl} --registry ${shellWord(registryFile)} --sqs-endpoint ${endpoint}`,
      enqueueCommand: `${LAUNCHER} enqueue --queue-url ${queueUrl} --alias --file ${shellWord(objectsFile)} --sqs-endpoint ${endpoint}`,
      async close() {
        await app.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    sqs.destroy();
  }
}
