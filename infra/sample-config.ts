import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { RegistryDocument } from './registry-config.js';

/**
 * Configuration of the sample app (infra/app.ts): where to deploy, the existing VPC next to the
 * clusters (by id, so synthesis needs no AWS lookup), and a few pipeline settings. The checked-in
 * config/pipeline.example.json synthesizes offline; copy it and fill in real ids to deploy.
 */
const sampleConfigSchema = z
  .object({
    stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name'),
    env: z
      .object({ account: z.string().regex(/^\d{12}$/, 'a 12-digit account id'), region: z.string().min(1) })
      .strict(),
    vpc: z
      .object({
        vpcId: z.string().regex(/^vpc-[0-9a-f]+$/),
        vpcCidrBlock: z.string().min(1),
        availabilityZones: z.array(z.string().min(1)).min(1),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).optional(),
        isolatedSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).optional(),
      })
      .strict()
      .refine(
        (v) => (v.privateSubnetIds?.length ?? 0) + (v.isolatedSubnetIds?.length ?? 0) > 0,
        'list privateSubnetIds or isolatedSubnetIds',
      ),
    /** Path of the registry JSON, relative to the config file. */
    registryFile: z.string().min(1),
    /** Store the registry in an SSM parameter created by the stack instead of inline. */
    registryInParameter: z.boolean().default(false),
    interfaceEndpoints: z.boolean().default(false),
    fifo: z.boolean().default(false),
    createOutcomesQueue: z.boolean().default(false),
    /** Put outcome events on a new EventBridge bus, with a sample rule sending failures to a queue. */
    outcomeEvents: z.boolean().default(false),
    maxConcurrency: z.number().int().optional(),
    recoveryPointObjectiveMinutes: z.number().positive().optional(),
    /** Subscribed to the alarm topic when set. */
    alarmEmail: z.email().nullable().default(null),
  })
  .strict();

export type SampleConfig = z.infer<typeof sampleConfigSchema> & { readonly registry: RegistryDocument };

/** Reads and validates a sample config and the registry it points at; throws listing every problem. */
export function loadSampleConfig(path: string): SampleConfig {
  const parsed = sampleConfigSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid sample config ${path}:\n  - ${problems.join('\n  - ')}`);
  }
  const registry = JSON.parse(
    readFileSync(resolve(dirname(path), parsed.data.registryFile), 'utf8'),
  ) as RegistryDocument;
  return { ...parsed.data, registry };
}
