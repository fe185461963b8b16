// The fault suite: the whole stack as processes, its own Kafka broker and PostgreSQL cluster,
// faults injected under load. Its files end in .faults-spec.ts, so the e2e project (which
// matches *.e2e-spec.ts under e2e/) never picks them up; `npm run test:faults` and the
// "fault suite" stage of `npm test` run them. Same SWC transform, paths and results reporter
// as every other Jest run, so its tests count in `npm test`'s closing tally.
const beaconJestConfig = require('../../jest.preset.cjs');

const base = beaconJestConfig(__dirname);
const e2e = base.projects.find((project) => project.displayName === 'e2e');

module.exports = {
  ...base,
  projects: [{ ...e2e, displayName: 'faults', testMatch: ['<rootDir>/**/*.faults-spec.ts'], slowTestThreshold: 600 }],
};
