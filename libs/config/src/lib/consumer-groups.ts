/**
 * Consumer groups left to their defaults are named within the topic prefix, as the topics are:
 * deployments (or test runs) that share a broker under different prefixes then never share a
 * group. A shared group would rebalance them together and could hand one deployment's partitions
 * to another's consumers. A group set explicitly is used exactly as given.
 */
export function prefixDefaultGroups<T extends { KAFKA_TOPIC_PREFIX: string }>(
  config: Readonly<T>,
  env: NodeJS.ProcessEnv,
  variables: readonly (keyof T & string)[],
): Readonly<T> {
  const defaulted = variables.filter((variable) => env[variable] === undefined);
  if (config.KAFKA_TOPIC_PREFIX === '' || defaulted.length === 0) return config;
  const named: Record<string, unknown> = { ...config };
  for (const variable of defaulted) named[variable] = `${config.KAFKA_TOPIC_PREFIX}${String(config[variable])}`;
  return Object.freeze(named) as Readonly<T>;
}
