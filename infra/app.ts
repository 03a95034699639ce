import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REPO_ROOT } from './defaults.js';
import { loadSampleConfig } from './sample-config.js';
import { SwarmSendSampleStack } from './sample-stack.js';

/**
 * Sample app: `npx cdk synth` (config/pipeline.example.json), or
 * `npx cdk deploy -c config=config/pipeline.json` with your own copy. It bundles the handler
 * from this checkout's source; `-c handler=prebuilt` deploys the package's prebuilt bundle
 * (dist/lambda/send, what `npm pack` ships) instead.
 */
const app = new App();
const configPath = resolve(
  REPO_ROOT,
  (app.node.tryGetContext('config') as string | undefined) ?? 'config/pipeline.example.json',
);
const config = loadSampleConfig(configPath);

const bundleFromSource = app.node.tryGetContext('handler') !== 'prebuilt';

new SwarmSendSampleStack(app, config.stackName, {
  config,
  env: config.env,
  bundleFromSource,
  description: 'swarm-send: SQS-driven SCSP SEND replication to a DR Swarm cluster',
});

// cdk-nag runs on every synthesis; the construct acknowledges, with reasons, what it must.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
