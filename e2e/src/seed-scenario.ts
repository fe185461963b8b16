/**
 * Almaty, around midnight: five men are taken from their homes by masked armed men, held
 * without access to UNHCR, family or a lawyer; one is beaten; all are threatened with
 * deportation to their country of origin.
 */
export const SEED_PERSONS = [
  { name: 'Rustam Karimov', registrationNumber: '123-09C00481', dateOfBirth: '1991-03-14', phone: '+77010000481' },
  { name: 'Bakhtiyor Yusupov', registrationNumber: '123-09C00482', dateOfBirth: '1987-07-02', phone: '+77010000482' },
  { name: 'Jasur Tashkentov', registrationNumber: '123-09C00483', dateOfBirth: '1995-11-23', phone: '+77010000483' },
  { name: 'Otabek Rakhimov', registrationNumber: '123-09C00484', dateOfBirth: '1983-01-30', phone: '+77010000484' },
  { name: 'Sherzod Nazarov', registrationNumber: '123-09C00485', dateOfBirth: '1999-05-09', phone: '+77010000485' },
] as const;

export function seedReport(occurredAt: string) {
  return {
    occurredAt,
    timeBand: 'night',
    region: 'almaty',
    source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
    recordedBy: 'operator-17',
    persons: SEED_PERSONS.map((p) => ({
      ...p,
      unhcrStatus: 'refugee',
      countryOfOrigin: 'UZ',
      sex: 'male',
      ageBand: '18-59',
    })),
    facts: [
      {
        type: 'detention-reported',
        place: { region: 'almaty', district: 'bostandyk' },
        authority: 'unidentified-armed-men',
        manner: 'home-raid',
        statedReason: 'none-given',
        witnesses: 4,
        notes: 'Taken from flats on Timiryazev street by men in masks, no documents shown',
      },
      { type: 'access-status-updated', family: 'denied', lawyer: 'denied', unhcr: 'denied', ngo: 'denied' },
      {
        type: 'ill-treatment-reported',
        appliesTo: [2],
        kinds: ['beating', 'threats'],
        visibleInjuries: 'yes',
        medicalAttention: 'denied',
      },
      {
        type: 'removal-threat-reported',
        kind: 'deportation',
        destinationCountry: 'UZ',
        stage: 'verbal-threat',
        asylumClaimPending: false,
      },
    ],
  };
}
