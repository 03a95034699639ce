/** The Swarm storage-cluster simulator: raw HTTP/1.1 SCSP nodes for tests, demos and benchmarks. */
export { startSimulator } from './simulator.js';
export { SIM_DEFAULT_ADMIN, ADMIN_REALM, DEFAULT_SERVER_VERSION } from './constants.js';
export type {
  ClusterSpec,
  Counters,
  Fault,
  FaultInjector,
  FaultKind,
  FaultMatch,
  FeedSpec,
  ObjectRef,
  PutObjectInput,
  SimCluster,
  SimNode,
  SimulatorOptions,
  StoredObject,
  SwarmSimulator,
  TransferLink,
  TransferOptions,
} from './types.js';
