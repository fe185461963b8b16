import { ProjectionSchema1764201700000 } from './1764201700000-projection-schema.migration';

export const projectionMigrations = [ProjectionSchema1764201700000];
