import { z } from 'zod';
import { loadConfig, prefixDefaultGroups, topicPrefix } from '../index';

const schema = z.object({
  KAFKA_TOPIC_PREFIX: topicPrefix,
  CONSUMER_GROUP: z.string().default('case-projector'),
  OTHER_GROUP: z.string().default('intake-case-status'),
});
const load = (env: NodeJS.ProcessEnv) => prefixDefaultGroups(loadConfig('svc', schema, env), env, ['CONSUMER_GROUP', 'OTHER_GROUP']);

describe(prefixDefaultGroups.name, () => {
  it('names a defaulted group within the topic prefix, like the topics', () => {
    expect(load({ KAFKA_TOPIC_PREFIX: 'staging.' })).toEqual({
      KAFKA_TOPIC_PREFIX: 'staging.',
      CONSUMER_GROUP: 'staging.case-projector',
      OTHER_GROUP: 'staging.intake-case-status',
    });
  });

  it('keeps a group that is set explicitly, and the defaults when there is no prefix', () => {
    expect(load({ KAFKA_TOPIC_PREFIX: 'staging.', CONSUMER_GROUP: 'projectors' })).toMatchObject({ CONSUMER_GROUP: 'projectors', OTHER_GROUP: 'staging.intake-case-status' });
    expect(load({})).toEqual({ KAFKA_TOPIC_PREFIX: '', CONSUMER_GROUP: 'case-projector', OTHER_GROUP: 'intake-case-status' });
  });

  it('gives two deployments under different prefixes different groups', () => {
    expect(load({ KAFKA_TOPIC_PREFIX: 'a.' }).CONSUMER_GROUP).not.toBe(load({ KAFKA_TOPIC_PREFIX: 'b.' }).CONSUMER_GROUP);
    expect(Object.isFrozen(load({ KAFKA_TOPIC_PREFIX: 'a.' }))).toBe(true);
  });
});
