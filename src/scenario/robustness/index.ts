/** Robustness cases (PROTOS-style mutations, RFC 4475-style reject cases, the torture corpus) and their runner. */
export * from './prng';
export * from './raw-message';
export * from './mutations';
export * from './torture';
export * from './harness';
