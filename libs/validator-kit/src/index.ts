export * from './validation-error';
export * from './validator-metrics';
