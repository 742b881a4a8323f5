export * from './workspaces.js';
export * from './customers.js';
export * from './events.js';
export * from './accounts.js';
export * from './lifecycle.js';
export * from './segments.js';
export * from './journeys.js';
export * from './messaging.js';
