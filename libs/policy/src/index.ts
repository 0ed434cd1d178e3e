export * from './glob';
export * from './policy-matcher';
