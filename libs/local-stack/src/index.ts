export * from './local-stack';
export * from './repo';
