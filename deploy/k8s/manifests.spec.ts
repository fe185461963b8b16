import { composeEnvironment } from '@beacon/testing';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/**
 * A schema check of the Kubernetes manifests, with kustomize's resource resolution done here:
 * the resources we rely on must have the shape the API server and the operators accept, and the
 * properties Beacon's guarantees depend on (replication, probes, limits, secrets) must hold.
 */
const k8sRoot = __dirname;
const kustomizationSchema = z.object({
  apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
  kind: z.literal('Kustomization'),
  namespace: z.string().optional(),
  resources: z.array(z.string()).min(1),
  images: z.array(z.object({ name: z.string(), newTag: z.string() })).optional(),
  replicas: z.array(z.object({ name: z.string(), count: z.number().int().positive() })).optional(),
  configMapGenerator: z.array(z.object({ name: z.string(), files: z.array(z.string()) })).optional(),
});

const metadata = z.object({ name: z.string().regex(/^[a-z0-9.-]+$/), labels: z.record(z.string(), z.string()).optional() });
const quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|Mi|Gi)?$/), z.number()]);
const envVar = z.strictObject({
  name: z.string().regex(/^[A-Z_][A-Z0-9_]*$/),
  value: z.string().optional(),
  valueFrom: z.strictObject({ secretKeyRef: z.strictObject({ name: z.string(), key: z.string() }) }).optional(),
});
const probe = z.object({
  httpGet: z.object({ path: z.string().startsWith('/health/'), port: z.union([z.string(), z.number()]) }),
  periodSeconds: z.number().int().positive(),
});
const container = z.object({
  name: z.string(),
  image: z.string().regex(/^[a-z0-9./-]+:[\w.-]+$/),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number().int() })).min(1),
  env: z.array(envVar),
  readinessProbe: probe,
  livenessProbe: probe,
  resources: z.object({
    requests: z.object({ cpu: quantity, memory: quantity }),
    limits: z.object({ cpu: quantity, memory: quantity }),
  }),
  securityContext: z.object({ allowPrivilegeEscalation: z.literal(false), readOnlyRootFilesystem: z.literal(true) }),
});
const deployment = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata,
  spec: z.object({
    replicas: z.number().int().min(2),
    selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
    template: z.object({
      metadata: z.object({ labels: z.record(z.string(), z.string()) }),
      spec: z.object({ securityContext: z.object({ runAsNonRoot: z.literal(true) }), containers: z.array(container).length(1) }),
    }),
  }),
});
const strimziKafka = z.object({
  apiVersion: z.literal('kafka.strimzi.io/v1beta2'),
  kind: z.literal('Kafka'),
  metadata,
  spec: z.object({
    kafka: z.object({
      version: z.string(),
      listeners: z.array(z.object({ name: z.string(), port: z.number(), type: z.string(), tls: z.boolean() })).min(1),
      config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    }),
  }),
});
const nodePool = z.object({
  apiVersion: z.literal('kafka.strimzi.io/v1beta2'),
  kind: z.literal('KafkaNodePool'),
  metadata,
  spec: z.object({ replicas: z.number().int(), roles: z.array(z.enum(['controller', 'broker'])) }),
});
const topic = z.object({
  apiVersion: z.literal('kafka.strimzi.io/v1beta2'),
  kind: z.literal('KafkaTopic'),
  metadata,
  spec: z.object({ partitions: z.number().int().positive(), replicas: z.number().int(), config: z.record(z.string(), z.unknown()) }),
});
const scaledObject = z.object({
  apiVersion: z.literal('keda.sh/v1alpha1'),
  kind: z.literal('ScaledObject'),
  metadata,
  spec: z.object({
    scaleTargetRef: z.object({ name: z.string() }),
    minReplicaCount: z.number().int(),
    maxReplicaCount: z.number().int(),
    triggers: z.array(z.object({ type: z.literal('kafka'), metadata: z.object({ consumerGroup: z.string(), topic: z.string(), lagThreshold: z.string() }) })).min(1),
  }),
});

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec?: unknown };

function build(dir: string): { docs: Doc[]; kustomization: z.infer<typeof kustomizationSchema> } {
  const kustomization = kustomizationSchema.parse(
    parseAllDocuments(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0]?.toJS(),
  );
  const docs: Doc[] = [];
  for (const resource of kustomization.resources) {
    const target = path.join(dir, resource);
    if (existsSync(path.join(target, 'kustomization.yaml'))) docs.push(...build(target).docs);
    else docs.push(...parseAllDocuments(readFileSync(target, 'utf8')).map((d) => d.toJS() as Doc));
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    for (const file of generator.files) expect(existsSync(path.join(dir, file.split('=').pop()!))).toBe(true);
  }
  return { docs, kustomization };
}

const ofKind = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind);

describe('Kubernetes manifests (production overlay)', () => {
  const { docs, kustomization } = build(path.join(k8sRoot, 'overlays/production'));
  const services = ['intake-api', 'case-projector', 'alert-dispatcher', 'ops-console'];

  it('run a three-broker KRaft Kafka with replication factor 3 and min.insync.replicas 2', () => {
    const [kafka] = ofKind(docs, 'Kafka').map((d) => strimziKafka.parse(d));
    const pools = ofKind(docs, 'KafkaNodePool').map((d) => nodePool.parse(d));
    expect(pools.reduce((n, p) => n + (p.spec.roles.includes('broker') ? p.spec.replicas : 0), 0)).toBe(3);
    expect(kafka?.spec.kafka.config).toMatchObject({
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'auto.create.topics.enable': false,
      'unclean.leader.election.enable': false,
    });
    const caseTopic = ofKind(docs, 'KafkaTopic').map((d) => topic.parse(d)).find((t) => t.metadata.name === 'beacon.case-events.v1');
    expect(caseTopic?.spec).toMatchObject({ replicas: 3, config: { 'retention.ms': -1, 'min.insync.replicas': 2 } });
  });

  it('deploy every service with probes, limits, non-root, and secrets only by reference', () => {
    const deployments = ofKind(docs, 'Deployment').map((d) => deployment.parse(d));
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...services].sort());
    for (const d of deployments) {
      const [c] = d.spec.template.spec.containers;
      // The selector must match the pods it creates.
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
      for (const variable of c!.env) {
        if (/KEYS?$|SECRET|PASSWORD|DATABASE_URL|SMTP_URL|TOKEN/.test(variable.name)) {
          expect({ name: variable.name, fromSecret: variable.valueFrom !== undefined }).toEqual({ name: variable.name, fromSecret: true });
        }
      }
    }
  });

  it('give each service the same variables docker-compose gives it (which its config schema accepts)', () => {
    const deployments = ofKind(docs, 'Deployment').map((d) => deployment.parse(d));
    const placeholders = { PERSON_HMAC_KEY: 'x', VAULT_MASTER_KEYS: 'x', AUTH_ACCESS_TOKEN_KEYS: 'x', AUTH_TOTP_KEYS: 'x', ACK_LINK_SECRET: 'x', CONSOLE_SERVICE_TOKEN: 'x' };
    for (const d of deployments) {
      const names = d.spec.template.spec.containers[0]!.env.map((e) => e.name);
      const composeNames = Object.keys(composeEnvironment(d.metadata.name, placeholders)).filter((n) => n !== 'DEV_API_KEY');
      expect({ service: d.metadata.name, missing: composeNames.filter((n) => !names.includes(n)) }).toEqual({ service: d.metadata.name, missing: [] });
    }
  });

  it('scale the consumers on consumer-group lag, up to the partition count', () => {
    const partitions = ofKind(docs, 'KafkaTopic').map((d) => topic.parse(d)).find((t) => t.metadata.name === 'beacon.case-events.v1')!.spec.partitions;
    const scalers = ofKind(docs, 'ScaledObject').map((d) => scaledObject.parse(d));
    expect(scalers.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['alert-dispatcher', 'case-projector']);
    for (const s of scalers) {
      expect(s.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
      expect(s.spec.triggers[0]!.metadata.topic).toBe('beacon.case-events.v1');
      expect(s.spec.triggers[0]!.metadata.consumerGroup).toBe(s.spec.scaleTargetRef.name);
    }
  });

  it('pins image tags in the production overlay', () => {
    expect(kustomization.images?.map((i) => i.name).sort()).toEqual(services.map((s) => `ghcr.io/beacon/${s}`).sort());
    expect(kustomization.images?.every((i) => i.newTag !== 'latest')).toBe(true);
  });
});
