export * from './admission-reviews';
export * from './alert-receiver';
export * from './conformance';
export * from './https-client';
export * from './ports';
export { repoRoot } from '@connaisseur-mesh/local-stack';
export * from './test-stack';
export * from './test-validator';
