import { once } from 'node:events';
import { EXIT, UsageError, type Command, type CommandIo } from './command.js';
import { numberFlag, stringFlag } from './flags.js';
import { SIM_DEFAULT_ADMIN } from '../simulator/constants.js';
import { startSimulator } from '../simulator/simulator.js';
import { startSimulatedQueues, type SimulatedQueues } from './simulate-queues.js';

type Values = Parameters<Command['run']>[0];

const HELP = `Usage: swarm-send simulate [flags]

Runs a simulated source Swarm cluster and a DR cluster on local ports until Ctrl-C, for trying
\`swarm-send send\` and the local pipeline without a real Swarm. With --with-queues, also an SQS
server (fauxqs) with the SEND queue and its dead-letter queue, and a registry of the two
clusters: it prints the \`swarm-send worker\` command line to run in a second terminal and a
\`swarm-send enqueue\` command line that gives the worker the seeded objects to replicate.

Flags:
  --host H            interface to listen on (default 127.0.0.1)
  --source-port P     port of the first source node; the others follow (default 0 = ephemeral)
  --dr-port P         port of the DR node (default 0 = ephemeral)
  --source-nodes N    number of source nodes (default 2)
  --source-name NAME  source cluster.name (default baker)
  --dr-name NAME      DR cluster.name (default dr)
  --user USER         admin user on both clusters (default admin)
  --password PW       admin password (default: $SWARM_PASSWORD, else the Swarm default)
  --seed-objects N    alias objects to create on the source (default 3)
  --with-queues       also run fauxqs with the queues, and write a registry (with a credentials
                      file, mode 0600) to a temporary directory removed at exit
  --sqs-port P        fauxqs's port with --with-queues (default 0 = ephemeral)
  --json              print one JSON line describing the clusters instead of the text

The source cluster has replication feed 1 targeting the DR cluster (for feed SEND).
Exit codes: 0 after Ctrl-C, 2 for bad flags.`;

function print(stream: NodeJS.WritableStream, line: string): void {
  stream.write(`${line}\n`);
}

function printQueues(stream: NodeJS.WritableStream, q: SimulatedQueues): void {
  print(stream, `SQS (fauxqs) on ${q.endpoint}`);
  print(stream, `  SEND queue:        ${q.queueUrl}`);
  print(stream, `  dead-letter queue: ${q.dlqUrl}`);
  print(stream, `  registry:          ${q.registryFile} (credentials in a file beside it, mode 0600)`);
  print(stream, `Run the worker in a second terminal (add --metrics-port 9464 for /metrics):`);
  print(stream, `  ${q.workerCommand}`);
  print(stream, `Then give it the seeded objects to replicate:`);
  print(stream, `  ${q.enqueueCommand}`);
}

/** `swarm-send simulate`: a source and a DR simulator on local ports, until io.signal aborts. */
export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Run a simulated source and DR Swarm cluster on local ports until Ctrl-C',
  help: HELP,
  options: {
    host: { type: 'string' },
    'source-port': { type: 'string' },
    'dr-port': { type: 'string' },
    'source-nodes': { type: 'string' },
    'source-name': { type: 'string' },
    'dr-name': { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    'seed-objects': { type: 'string' },
    'with-queues': { type: 'boolean' },
    'sqs-port': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values: Values, _positionals: string[], io: CommandIo): Promise<number> {
    const host = stringFlag(values, 'host') ?? '127.0.0.1';
    const sourcePort = numberFlag(values, 'source-port', 0, { integer: true, min: 0, max: 65535 });
    const drPort = numberFlag(values, 'dr-port', 0, { integer: true, min: 0, max: 65535 });
    const sourceNodes = numberFlag(values, 'source-nodes', 2, { integer: true, min: 1, max: 64 });
    const seedObjects = numberFlag(values, 'seed-objects', 3, { integer: true, min: 0, max: 100_000 });
    const sqsPort = numberFlag(values, 'sqs-port', 0, { integer: true, min: 0, max: 65535 });
    if (values['sqs-port'] !== undefined && values['with-queues'] !== true)
      throw new UsageError('--sqs-port goes with --with-queues');
    const sourceName = stringFlag(values, 'source-name') ?? 'baker';
    const drName = stringFlag(values, 'dr-name') ?? 'dr';
    if (sourceName === drName) throw new UsageError('--source-name and --dr-name must differ');
    if (sourcePort !== 0 && sourcePort + sourceNodes - 1 > 65535)
      throw new UsageError('--source-port leaves no room for every source node');
    const user = stringFlag(values, 'user') ?? SIM_DEFAULT_ADMIN.user;
    const password = stringFlag(values, 'password') ?? io.env['SWARM_PASSWORD'] ?? SIM_DEFAULT_ADMIN.password;
    const admins = { [user]: password };

    const sim = await startSimulator({
      host,
      clusters: [
        {
          name: sourceName,
          nodes: sourceNodes,
          basePort: sourcePort,
          admins,
          feeds: [{ id: 1, type: 'replication', target: drName }],
        },
        { name: drName, nodes: 1, basePort: drPort, admins },
      ],
    });
    let queues: SimulatedQueues | null = null;
    try {
      const source = sim.cluster(sourceName);
      const dr = sim.cluster(drName);
      const seeded = Array.from(
        { length: seedObjects },
        (_, i) =>
          source.put({ alias: true, body: `swarm-send demo object ${i + 1}\n`, contentType: 'text/plain' }).uuid,
      );
      if (values['with-queues'] === true)
        queues = await startSimulatedQueues({
          host,
          port: sqsPort,
          source: source.addresses,
          dr: dr.addresses,
          user,
          password,
          seeded,
        });
      // The default password is public (Swarm's documented default); one the user chose is not printed.
      const passwordVar =
        password === SIM_DEFAULT_ADMIN.password ? `SWARM_PASSWORD=${password}` : 'SWARM_PASSWORD=<your password>';
      const example =
        `${passwordVar} swarm-send send ${seeded[0] ?? '<uuid>'} --alias --source ${source.addresses.join(',')} ` +
        `--cluster ${drName} --target ${dr.addresses[0] ?? ''} --user ${user}`;
      if (values['json'] === true) {
        print(
          io.stdout,
          JSON.stringify({
            clusters: [
              {
                role: 'source',
                name: sourceName,
                nodes: source.addresses,
                feeds: [{ id: 1, type: 'replication', target: drName }],
              },
              { role: 'dr', name: drName, nodes: dr.addresses },
            ],
            user,
            seeded,
            example,
            ...(queues && {
              queues: { endpoint: queues.endpoint, queue: queues.queueUrl, dlq: queues.dlqUrl },
              registry: queues.registryFile,
              worker: queues.workerCommand,
              enqueue: queues.enqueueCommand,
            }),
          }),
        );
      } else {
        print(io.stdout, `Swarm simulator running (Ctrl-C to stop)`);
        print(
          io.stdout,
          `  source cluster "${sourceName}": ${source.addresses.join(', ')}  (replication feed 1 -> ${drName})`,
        );
        print(io.stdout, `  DR cluster "${drName}": ${dr.addresses.join(', ')}`);
        print(io.stdout, `  admin user: ${user} (password from --password, SWARM_PASSWORD or the Swarm default)`);
        print(io.stdout, `  seeded alias objects: ${seeded.length === 0 ? 'none' : seeded.join(' ')}`);
        print(io.stdout, `Try:`);
        print(io.stdout, `  ${example}`);
        if (queues) printQueues(io.stdout, queues);
      }
      if (!io.signal.aborted) await once(io.signal, 'abort');
    } finally {
      await queues?.close();
      await sim.close();
    }
    if (values['json'] !== true) print(io.stderr, 'simulator stopped');
    return EXIT.OK;
  },
};
