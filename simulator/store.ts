import { md5Hex } from './digest.js';

/** Base64 MD5 of a body: the form of a Content-MD5 header. */
export function md5Base64(body: Uint8Array): string {
  return Buffer.from(md5Hex(body), 'hex').toString('base64');
}
import { ListingIndex } from './listing-index.js';
import type { Random } from './random.js';
import type { ObjectRef, PutObjectInput, StoredObject } from './types.js';
import { UUID_PATTERN } from './constants.js';

/** `Castor-System-Version` of a time: seconds.milliseconds, e.g. `1366297840.592`. */
export function versionOf(created: Date): string {
  const ms = created.getTime();
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** The key a named object is stored under. */
function namedKey(domain: string, bucket: string, name: string): string {
  return `${domain}\u0000${bucket}\u0000${name}`;
}

/**
 * The bytes a write stores: its body, or none for a virtual object (`size` without a body), which
 * may not ask for a computed Content-MD5. A body with a `size` equal to its length is a real
 * object (a stored object spread into `put`, copied to another cluster, carries both); a body of
 * another length is refused.
 */
function bodyOf(input: PutObjectInput): { readonly body: Uint8Array; readonly virtual: boolean } {
  const body = typeof input.body === 'string' ? new Uint8Array(Buffer.from(input.body, 'utf8')) : input.body;
  if (input.size === undefined) {
    if (body === undefined) throw new Error('put() needs a body, or a size for a virtual object');
    return { body, virtual: false };
  }
  if (!(Number.isSafeInteger(input.size) && input.size >= 0)) {
    throw new Error(`a virtual size must be an integer number of bytes >= 0, got ${input.size}`);
  }
  if (body !== undefined && body.length > 0) {
    if (body.length === input.size) return { body, virtual: false };
    throw new Error(
      `a body of ${body.length} bytes with a size of ${input.size}: a virtual object (size) holds no body`,
    );
  }
  if (input.contentMd5 === true)
    throw new Error('no Content-MD5 can be computed for a virtual object: give it as a string');
  return { body: new Uint8Array(0), virtual: true };
}

/**
 * An object's metadata headers: those written, and a `lifepoints` list given through the API as
 * `Lifepoint` headers among them. The metadata is the one record of an object's lifepoints;
 * `StoredObject.lifepoints` is read from it.
 */
function metadataOf(input: PutObjectInput): (readonly [string, string])[] {
  const meta = (input.meta ?? []).map(([n, v]) => [n, v] as const);
  const written = new Set(meta.filter(([n]) => n.toLowerCase() === 'lifepoint').map(([, v]) => v));
  for (const value of input.lifepoints ?? []) if (!written.has(value)) meta.push(['Lifepoint', value] as const);
  return meta;
}

/**
 * One cluster's objects: unnamed ones by UUID (case-insensitive), named ones by
 * domain/bucket/name, plus the domains and buckets that exist.
 */
export class ObjectStore {
  private readonly unnamed = new Map<string, StoredObject>();
  private readonly named = new Map<string, StoredObject>();
  private readonly buckets = new Map<string, Set<string>>();
  /** What listings see: every change shows up only after the index lag. */
  readonly index = new ListingIndex();
  /** Index lag of this cluster's listings, ms (objects and deletes show up after it). */
  indexLagMs = 0;

  constructor(
    /** The cluster name: origin of new objects and name of the default domain. */
    private readonly clusterName: string,
    private readonly random: Random,
  ) {
    this.buckets.set(clusterName, new Set());
  }

  get size(): number {
    return this.unnamed.size + this.named.size;
  }

  /** Builds and stores a new object (a new version when it replaces one). */
  put(input: PutObjectInput): StoredObject {
    const isNamed = input.bucket !== undefined || input.name !== undefined;
    if (isNamed && (!input.bucket || input.name === undefined || input.name === '')) {
      throw new Error('a named object needs both bucket and name');
    }
    if (input.uuid !== undefined && !UUID_PATTERN.test(input.uuid)) throw new Error(`not a 32-hex UUID: ${input.uuid}`);
    const { body, virtual } = bodyOf(input);
    const uuid = (input.uuid ?? this.random.hex32()).toLowerCase();
    const created = input.created ?? this.laterThanCurrent(input, isNamed);
    const version = versionOf(created);
    const size = input.size ?? body.length;
    const contentMd5 = input.contentMd5 === true ? md5Base64(body) : input.contentMd5;
    const meta = metadataOf(input);
    const lifepoints = meta.filter(([name]) => name.toLowerCase() === 'lifepoint').map(([, value]) => value);
    const obj: StoredObject = Object.freeze({
      uuid,
      alias: isNamed ? false : (input.alias ?? false),
      ...(isNamed ? { domain: input.domain ?? this.clusterName, bucket: input.bucket, name: input.name } : {}),
      ...(!isNamed && input.domain !== undefined ? { domain: input.domain } : {}),
      body,
      size,
      virtual,
      etag: `"${virtual ? md5Hex(`virtual:${uuid}:${size}:${version}`) : md5Hex(body)}"`,
      contentType: input.contentType ?? 'application/octet-stream',
      created,
      version,
      ec: input.ec ?? false,
      cluster: this.clusterName,
      ...(lifepoints.length ? { lifepoints } : {}),
      ...(contentMd5 !== undefined && { contentMd5 }),
      ...(meta.length && { meta: Object.freeze(meta) }),
    });
    this.insert(obj, input.indexLagMs);
    return obj;
  }

  /**
   * Now, or 1 ms after the version a write replaces when that is not earlier (two writes in one
   * millisecond still get distinct, ordered versions).
   */
  private laterThanCurrent(input: PutObjectInput, isNamed: boolean): Date {
    const now = new Date();
    const ref: ObjectRef | undefined = isNamed
      ? { bucket: input.bucket!, name: input.name!, ...(input.domain !== undefined && { domain: input.domain }) }
      : input.uuid !== undefined
        ? { uuid: input.uuid }
        : undefined;
    const current = ref && this.get(ref);
    return current && current.created.getTime() >= now.getTime() ? new Date(current.created.getTime() + 1) : now;
  }

  /**
   * Writes a new version of `obj` with another body (a client's overwrite), keeping its metadata.
   * Without a body, a virtual object's new version is virtual with the same size.
   */
  newVersion(obj: StoredObject, body?: string | Uint8Array): StoredObject {
    const keepsVirtual = body === undefined && obj.virtual;
    return this.put({
      uuid: obj.uuid,
      alias: obj.alias,
      ...(obj.domain !== undefined && { domain: obj.domain }),
      ...(obj.bucket !== undefined && { bucket: obj.bucket, name: obj.name }),
      ...(keepsVirtual ? { size: obj.size } : { body: body ?? obj.body }),
      contentType: obj.contentType,
      ec: obj.ec,
      ...(obj.meta && { meta: obj.meta }),
      ...(obj.contentMd5 !== undefined && { contentMd5: keepsVirtual ? obj.contentMd5 : (true as const) }),
    });
  }

  /**
   * The re-encode fault: the same bytes and Content-MD5 under a new ETag and a later
   * Castor-System-Version, as when the Health Processor converts a copy to erasure coding.
   */
  reencode(ref: ObjectRef): StoredObject | undefined {
    const obj = this.get(ref);
    if (!obj) return undefined;
    const created = new Date(Math.max(Date.now(), obj.created.getTime() + 1));
    const next: StoredObject = Object.freeze({
      ...obj,
      etag: `"${this.random.hex32()}"`,
      created,
      version: versionOf(created),
      ec: true,
    });
    this.insert(next);
    return next;
  }

  /** Stores an existing record as it is (replication keeps UUID, etag, dates and origin). */
  insert(obj: StoredObject, indexLagMs = this.indexLagMs): void {
    if (obj.bucket !== undefined && obj.name !== undefined) {
      const domain = obj.domain ?? this.clusterName;
      this.ensureBucket(domain, obj.bucket);
      this.named.set(namedKey(domain, obj.bucket, obj.name), obj);
    } else {
      this.unnamed.set(obj.uuid.toLowerCase(), obj);
    }
    this.index.record(obj, obj, indexLagMs);
  }

  get(ref: ObjectRef): StoredObject | undefined {
    if ('uuid' in ref) return this.unnamed.get(ref.uuid.toLowerCase());
    return this.named.get(namedKey(ref.domain ?? this.clusterName, ref.bucket, ref.name));
  }

  has(ref: ObjectRef): boolean {
    return this.get(ref) !== undefined;
  }

  delete(ref: ObjectRef, indexLagMs = this.indexLagMs): boolean {
    const obj = this.get(ref);
    if (!obj) return false;
    if ('uuid' in ref) this.unnamed.delete(ref.uuid.toLowerCase());
    else this.named.delete(namedKey(ref.domain ?? this.clusterName, ref.bucket, ref.name));
    this.index.record(obj, undefined, indexLagMs);
    return true;
  }

  /** Domain names, and the bucket names of one domain. */
  domains(): string[] {
    return [...this.buckets.keys()];
  }

  bucketsOf(domain: string): string[] {
    return [...(this.buckets.get(domain) ?? [])];
  }

  hasDomain(domain: string): boolean {
    return this.buckets.has(domain);
  }

  hasBucket(domain: string, bucket: string): boolean {
    return this.buckets.get(domain)?.has(bucket) ?? false;
  }

  /** Creates the domain and bucket if missing. */
  ensureBucket(domain: string, bucket: string): void {
    let set = this.buckets.get(domain);
    if (!set) this.buckets.set(domain, (set = new Set()));
    set.add(bucket);
  }
}

/** The reference that finds `obj` again in any cluster. */
export function refOf(obj: StoredObject): ObjectRef {
  if (obj.bucket !== undefined && obj.name !== undefined) {
    return { bucket: obj.bucket, name: obj.name, ...(obj.domain !== undefined ? { domain: obj.domain } : {}) };
  }
  return { uuid: obj.uuid };
}
