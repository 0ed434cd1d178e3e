export * from './auth';
export * from './credentials';
export * from './errors';
export * from './media-types';
export * from './registry-client';
