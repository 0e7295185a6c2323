/** The leanprover-community `repl` child kind: codec, schemas, snippet keys, mapping, session. */

export * from '../protocol/repl-work.js';
export * from './builder.js';
export * from './channel.js';
export * from './codec.js';
export * from './connect.js';
export * from './mapping.js';
export * from './schemas.js';
export * from './session.js';
export * from './snippet.js';
