export * from './app-context';
export * from './logger';
export * from './metrics';
export * from './ops-server';
export * from './start-app';
