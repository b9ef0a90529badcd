export type { EventStreamOptions } from './eventStream.js';
export {
  createFetchHandler,
  DEFAULT_BASE_PATH,
  DEFAULT_MAX_BODY_BYTES,
  type FetchHandler,
  type FetchHandlerOptions,
} from './fetchHandler.js';
export { type NodeHandler, toNodeHandler, type WebHandler } from './nodeHandler.js';
export * from './wire.js';
