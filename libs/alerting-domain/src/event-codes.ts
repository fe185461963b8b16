import { type CaseFactEventName } from './types';

// Three letters stand for the event in every language and fit in any SMS; the e-mail spells
// them out. Codes are stable: add, never rename or reuse (old messages and logs keep them).
export const EVENT_CODES = {
  'report-received': 'RPT',
  'person-identified': 'PID',
  'detention-reported': 'DET',
  'whereabouts-updated': 'WHR',
  'access-status-updated': 'ACC',
  'ill-treatment-reported': 'ILT',
  'legal-proceeding-updated': 'LGL',
  'removal-threat-reported': 'RMV',
  transferred: 'TRF',
  'intervention-logged': 'INT',
  released: 'REL',
  removed: 'DEP',
  'contact-lost': 'LST',
  'case-closed': 'CLS',
  'case-reopened': 'ROP',
  'record-corrected': 'COR',
  'record-erased': 'ERA',
} as const satisfies Record<CaseFactEventName, string>;

export type EventCode = (typeof EVENT_CODES)[CaseFactEventName];

export const ALL_EVENT_CODES: readonly EventCode[] = Object.values(EVENT_CODES);

export function eventCodeOf(name: CaseFactEventName): EventCode {
  return EVENT_CODES[name];
}
