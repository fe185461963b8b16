import { IntakeSchema1764201600000 } from './1764201600000-intake-schema.migration';
import { IntakeProduction1764900000000 } from './1764900000000-intake-production.migration';
import { PersonRefs1765100000000 } from './1765100000000-person-refs.migration';

export const intakeMigrations = [
  IntakeSchema1764201600000,
  IntakeProduction1764900000000,
  PersonRefs1765100000000,
];
