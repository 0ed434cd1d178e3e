export * from './alerting';
export * from './env';
export * from './load-config';
export * from './mesh-config';
export * from './pem';
export * from './network';
