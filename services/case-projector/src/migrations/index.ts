import { ProjectionSchema1764201700000 } from './1764201700000-projection-schema.migration';
import { VersionedReadModels1764400000000 } from './1764400000000-versioned-read-models.migration';
import { DeadLetterReplays1764400000001 } from './1764400000001-dead-letter-replays.migration';
import { CaseIdentity1765400000000 } from './1765400000000-case-identity.migration';
import { ErasedPeopleIndex1766000000000 } from './1766000000000-erased-people-index.migration';

export const projectionMigrations = [
  ProjectionSchema1764201700000,
  VersionedReadModels1764400000000,
  DeadLetterReplays1764400000001,
  CaseIdentity1765400000000,
  ErasedPeopleIndex1766000000000,
];
