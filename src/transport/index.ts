export * from './types';
export * from './trace';
export * from './stun';
export { TransportLayer } from './transport-layer';
export type { TransportLayerOptions, TlsClientOptions, KeepaliveOptions, FlowToOptions } from './transport-layer';
