export * from './credentials';
export * from './grpc-app';
export * from './proto';
export * from './server';
export * from './health';
export * from './client';
