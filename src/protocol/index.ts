/** The wire protocol: constants, framing, message schemas, ordered encoders, typed decoders. */
export * from './codec.js';
export * from './constants.js';
export * from './decode.js';
export * from './encode.js';
export * from './error-codes.js';
export * from './json-depth.js';
export * from './messages.js';
