import { IntakeSchema1764201600000 } from './1764201600000-intake-schema.migration';

export const intakeMigrations = [IntakeSchema1764201600000];
