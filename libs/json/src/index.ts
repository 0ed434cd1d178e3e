export * from './depth-counter';
export * from './parse-json';
