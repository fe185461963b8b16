export { ConfigError, loadConfig } from './lib/load-config';
export * from './lib/env-schemas';
export { prefixDefaultGroups } from './lib/consumer-groups';
