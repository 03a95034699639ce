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

  it('runs the worker under the restricted pod security settings, with a writable emptyDir for /tmp only', () => {
    const [deployment] = find('Deployment');
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
  });

  it('serves /metrics and the probes on every interface of the pod, set explicitly (the worker defaults to loopback)', () => {
    const [deployment] = find('Deployment');
    const [worker] = new Deployment(deployment as never).spec!.template.spec!.containers;
    const args = worker?.args ?? [];
    expect(args[args.indexOf('--metrics-host') + 1]).toBe('0.0.0.0');
    expect(worker?.readinessProbe?.httpGet?.path).toBe('/readyz');
  });

  it('scales the Deployment with KEDA through a TriggerAuthentication that reads the Secret created apart', () => {
    const [scaled] = find('ScaledObject') as unknown as ScaledObject[];
    const [auth] = find('TriggerAuthentication') as unknown as TriggerAuthentication[];
    const [deployment] = find('Deployment');
    expect(scaled?.spec?.scaleTargetRef.name).toBe(deployment?.metadata.name);
    expect(scaled?.spec?.triggers[0]?.authenticationRef?.name).toBe(auth?.metadata?.name);
    const secretNames = new Set(auth?.spec?.secretTargetRef?.map((r) => r.name));
    expect([...secretNames]).toEqual([examples[0]?.object.metadata.name]);
  });
});
