/** Fixed protocol values the simulator answers with. */

/** The default `security.administrators` entry of a Swarm cluster. */
export const SIM_DEFAULT_ADMIN = { user: 'admin', password: 'ourpwdofchoicehere' } as const;

/** An object UUID: 32 hex digits, either case. */
export const UUID_PATTERN = /^[0-9a-fA-F]{32}$/;

/** Realm of admin requests (`?admin`, SEND). */
export const ADMIN_REALM = 'CAStor administrator';

/** Default `Server: CAStor Cluster/<version>` version: the founding example's. */
export const DEFAULT_SERVER_VERSION = '9.1.0';

/** `Allow` on 401 and 501 answers, in the order the founding example shows. */
export const ALLOW_METHODS = 'HEAD, HOLD, GET, SEND, PUT, RELEASE, POST, COPY, GEN, APPEND, DELETE';

/** `Allow` on the `GET /` node status page. */
export const ALLOW_STATUS_PAGE = 'HEAD, GET, PUT, POST, COPY, APPEND, DELETE';

/** Methods a Swarm node knows; the rest get 501. */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'HEAD',
  'HOLD',
  'GET',
  'SEND',
  'PUT',
  'RELEASE',
  'POST',
  'COPY',
  'GEN',
  'APPEND',
  'DELETE',
]);

/** SCSP header limits: 32 KB of request head in total, 16 KB per header line. */
export const MAX_HEAD_BYTES = 32 * 1024;
/** SCSP header limit per header line. */
export const MAX_HEADER_LINE_BYTES = 16 * 1024;

/** Largest request body the simulator buffers. */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

/** The keep-alive chunk of a streamed SEND answer: one LF. */
export const KEEPALIVE_CHUNK = '1\r\n\n\r\n';
