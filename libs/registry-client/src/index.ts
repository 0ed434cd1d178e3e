export * from './auth';
export * from './byte-budget';
export * from './credentials';
export * from './errors';
export * from './media-types';
export * from './registry-client';
