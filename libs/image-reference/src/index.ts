export * from './image-reference';
