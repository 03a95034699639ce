import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Secret } from 'kubernetes-models/v1';
import { yamlDocuments } from '../../helpers/yaml.js';

// deploy/kubernetes/ as `kubectl apply -f deploy/kubernetes/` takes it (the files of that
// directory, not of examples/, in name order), each object validated against its schema by
// kubernetes-models (Kubernetes' OpenAPI) and @kubernetes-models/keda (KEDA's CRDs).
// `kubectl apply --dry-run=client` cannot stand in: it fetches the OpenAPI document from a
// cluster, and there is none here.

const DIR = fileURLToPath(new URL('../../../deploy/kubernetes/', import.meta.url));
const NAMESPACE = 'swarm-send';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/** The schema model of each kind the manifests may hold: a kind without one fails the test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'apps/v1/Deployment': Deployment,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

const objectsIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((file) => yamlDocuments(join(dir, file)).map((o) => ({ file, object: o as K8sObject })));

const applied = objectsIn(DIR);
const examples = objectsIn(join(DIR, 'examples'));
const find = (kind: string) => applied.filter((a) => a.object.kind === kind).map((a) => a.object);

describe('deploy/kubernetes/', () => {
  it.each([...applied, ...examples].map((a) => [`${a.file}: ${a.object.kind} ${a.object.metadata.name}`, a.object]))(
    '%s is valid against its schema',
    (_name, object) => {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model!(object as never).validate()).not.toThrow();
    },
  );

  it('holds a Namespace that enforces the restricted Pod Security Standard, applied first, and every object lives in it', () => {
    const [ns] = find('Namespace');
    expect(ns?.metadata.name).toBe(NAMESPACE);
    expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(applied[0]?.object.kind).toBe('Namespace');
    for (const { object } of applied.filter((a) => a.object.kind !== 'Namespace'))
      expect(`${object.kind} ${object.metadata.name} in ${object.metadata.namespace}`).toBe(
        `${object.kind} ${object.metadata.name} in ${NAMESPACE}`,
      );
  });

  it('applies no Secret: the example stands apart in examples/, which kubectl apply -f does not read', () => {
    expect(applied.filter((a) => a.object.kind === 'Secret')).toEqual([]);
    expect(examples.map((e) => e.object.kind)).toEqual(['Secret']);
  });

  it.each(find('Deployment').map((d) => [d.metadata.name, d]))(
    'runs %s under the restricted pod security settings, with a writable emptyDir for /tmp only',
    (_name, deployment) => {
      const pod = new Deployment(deployment as never).spec!.template.spec!;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.securityContext?.capabilities?.add ?? []).toEqual([]);
        const writable = (c.volumeMounts ?? []).filter((m) => m.readOnly !== true);
        expect(writable.map((m) => m.mountPath)).toEqual(['/tmp']);
        const volume = pod.volumes?.find((v) => v.name === writable[0]?.name);
        expect(volume?.emptyDir).toBeDefined();
      }
    },
  );

  it('serves /metrics and the probes on every interface of the pod, set explicitly (the worker defaults to loopback)', () => {
    const [deployment] = find('Deployment');
    const [worker] = new Deployment(deployment as never).spec!.template.spec!.containers;
    const args = worker?.args ?? [];
    expect(args[args.indexOf('--metrics-host') + 1]).toBe('0.0.0.0');
    expect(worker?.readinessProbe?.httpGet?.path).toBe('/readyz');
  });

  it('scales each Deployment with KEDA through a TriggerAuthentication that reads the Secret created apart', () => {
    const scaled = find('ScaledObject') as unknown as ScaledObject[];
    const [auth] = find('TriggerAuthentication') as unknown as TriggerAuthentication[];
    expect(scaled.map((s) => s.spec?.scaleTargetRef.name).sort()).toEqual(
      find('Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    );
    for (const s of scaled) expect(s.spec?.triggers[0]?.authenticationRef?.name).toBe(auth?.metadata?.name);
    const secretNames = new Set(auth?.spec?.secretTargetRef?.map((r) => r.name));
    expect([...secretNames]).toEqual([examples[0]?.object.metadata.name]);
  });

  describe('the long-running tier (large-object-worker.yaml)', () => {
    const deployment = new Deployment(
      find('Deployment').find((d) => d.metadata.name === 'swarm-send-large-object-worker') as never,
    );
    const [worker] = deployment.spec!.template.spec!.containers;
    const scaled = (find('ScaledObject') as unknown as ScaledObject[]).find(
      (s) => s.spec?.scaleTargetRef.name === deployment.metadata?.name,
    )!;
    const trigger = scaled.spec!.triggers[0]!;
    const env = Object.fromEntries((worker?.env ?? []).map((e) => [e.name, e.value]));
    const [configMap] = find('ConfigMap') as unknown as { data: Record<string, string> }[];

    it('runs `swarm-send worker --long-running`, one message a batch, on the queue its ScaledObject watches', () => {
      expect(worker?.args?.slice(0, 5)).toEqual(['--long-running', '--max-concurrency', '4', '--batch-size', '1']);
      expect(env.SWARM_SEND_LONG_RUNNING).toBe('true');
      expect(env.SWARM_SEND_QUEUE_URL).toBe(trigger.metadata.queueURL);
      expect(env.SWARM_SEND_DLQ_URL).not.toBe(configMap?.data.SWARM_SEND_DLQ_URL);
    });

    it('is the queue the SEND workers move large objects to', () => {
      expect(configMap?.data.SWARM_SEND_LARGE_OBJECT_QUEUE_URL).toBe(trigger.metadata.queueURL);
      expect(configMap?.data.SWARM_SEND_QUEUE_URL).not.toBe(trigger.metadata.queueURL);
    });

    it('scales from zero on waiting and in-flight messages, and never down while the queue holds any', () => {
      expect(trigger.type).toBe('aws-sqs-queue');
      expect(scaled.spec?.minReplicaCount).toBe(0);
      expect(trigger.metadata.scaleOnInFlight).toBe('true');
      expect(scaled.spec?.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown?.selectPolicy).toBe('Disabled');
      const drain = worker!.args![worker!.args!.indexOf('--drain-seconds') + 1];
      expect(deployment.spec?.template.spec?.terminationGracePeriodSeconds).toBeGreaterThan(Number(drain));
    });
  });
});
