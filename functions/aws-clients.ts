import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsAdapters } from './compose.js';

/**
 * The real AWS SDK clients of a Lambda function, each request bounded by `requestTimeoutMs`:
 * a handler's SDK calls must end within the time it keeps for them, or a slow endpoint times
 * the whole invocation out.
 */
export function lambdaAwsAdapters(requestTimeoutMs: number): AwsAdapters {
  const requestHandler = { connectionTimeout: 1000, requestTimeout: requestTimeoutMs };
  const ssm = new SSMClient({ requestHandler });
  return {
    sqs: new SQSClient({ requestHandler }),
    secretsManager: new SecretsManagerClient({ requestHandler }),
    eventBridge: new EventBridgeClient({ requestHandler }),
    getParameter: async (name) => {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value ?? '';
    },
  };
}
