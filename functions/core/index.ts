/**
 * The core's public API: everything the handlers, adapters, CLI, local tools and benchmarks use.
 * Pure code: no AWS SDK, Lambda, CDK, Powertools or middy, and no `process.env` (checked by
 * test/unit/architecture.test.ts). Modules not listed here (the node pools and connections,
 * request building, network error codes, the zod locale) are the core's own business.
 *
 * Bundled entry points (the Lambda handlers) may keep importing the modules they use directly:
 * the message and registry schemas are built at module load, so a bundler cannot drop a module
 * re-exported here that the handler never calls.
 */

// The SEND message and the registry: what to copy, from where to where, as whom.
export * from './message.js';
export * from './message-schema.js';
export * from './registry.js';
export * from './errors.js';

// SEND and HEAD (SendClient) and listings (ListingClient), over one cluster transport.
export * from './send-client.js';
export * from './listing-client.js';
export * from './listing.js';
export * from './cluster-transport.js';
export * from './write-response.js';

// Digest and Basic authentication.
export * from './digest-auth.js';

// Reading a SEND's answer and deciding the message's outcome.
export * from './response-parser.js';
export * from './classify.js';
export * from './replication-feeds.js';
export * from './outcome.js';
export * from './record.js';
export * from './redact.js';

// Reconcile: the listing diff and the verdict from HEADs.
export * from './reconcile-diff.js';
