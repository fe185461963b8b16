import { parseRoutingConfig, type RoutingConfig } from './routing-config';

/** A small routing file as the service hands it over: parsed YAML, not yet validated. */
export function aRoutingInput(): Record<string, unknown> {
  const officer = (n: number, locale: string) => ({
    name: `Officer ${n} Example`,
    role: 'protection-officer',
    email: `po-${n}@beacon.example`,
    phone: `+7700000000${n}`,
    locale,
    channels: ['sms', 'email'],
  });
  return {
    version: 1,
    timezone: 'Asia/Almaty',
    people: {
      'po-1': officer(1, 'ru'),
      'po-2': officer(2, 'kk'),
      'po-3': { ...officer(3, 'en'), channels: ['email'] },
      'po-4': officer(4, 'en'),
      'po-5': officer(5, 'en'),
      lead: {
        name: 'Lead Example',
        role: 'regional-lead',
        email: 'lead@beacon.example',
        phone: '+77000000010',
        locale: 'ru',
        channels: ['sms', 'email'],
      },
      unhcr: {
        name: 'Focal Point Example',
        role: 'unhcr-focal-point',
        email: 'unhcr@beacon.example',
        locale: 'en',
        channels: ['email'],
      },
    },
    partners: {
      lap: {
        name: 'Legal Aid Example',
        email: 'lap@beacon.example',
        phone: '+77000000061',
        locale: 'ru',
        channels: ['email', 'sms'],
      },
    },
    regions: {
      almaty: {
        name: 'Almaty',
        timezone: 'Asia/Almaty',
        rotation: {
          startsOn: '2025-01-06',
          handoverTime: '09:00',
          weeks: [
            { primary: 'po-1', deputy: 'po-2' },
            { primary: 'po-2', deputy: 'po-3' },
          ],
        },
        overrides: [{ from: '2025-06-09T09:00', to: '2025-06-16T09:00', primary: 'po-3' }],
        lead: 'lead',
        unhcrFocalPoint: 'unhcr',
        legalAidPartners: ['lap'],
      },
      berlin: {
        name: 'Berlin (a zone with summer time)',
        timezone: 'Europe/Berlin',
        rotation: {
          startsOn: '2025-03-03',
          handoverTime: '09:00',
          weeks: [
            { primary: 'po-4', deputy: 'po-5' },
            { primary: 'po-5', deputy: 'po-4' },
          ],
        },
        lead: 'lead',
        unhcrFocalPoint: 'unhcr',
        legalAidPartners: [],
        policies: {
          critical: {
            tiers: [
              {
                recipients: ['on-call-primary', 'regional-lead'],
                channels: ['sms'],
                ackTimeoutMinutes: 10,
              },
              { recipients: ['unhcr-focal-point'], channels: ['email'], ackTimeoutMinutes: null },
            ],
          },
        },
      },
    },
    policies: {
      critical: {
        tiers: [
          {
            recipients: ['on-call-primary', 'legal-aid-partner'],
            channels: ['sms', 'email'],
            ackTimeoutMinutes: 15,
          },
          { recipients: ['on-call-deputy'], channels: ['sms', 'email'], ackTimeoutMinutes: 15 },
          {
            recipients: ['regional-lead', 'unhcr-focal-point'],
            channels: ['sms', 'email'],
            ackTimeoutMinutes: null,
          },
        ],
      },
      high: {
        tiers: [
          { recipients: ['on-call-primary'], channels: ['email', 'sms'], ackTimeoutMinutes: 120 },
          { recipients: ['on-call-deputy'], channels: ['email', 'sms'], ackTimeoutMinutes: null },
        ],
      },
      routine: { tiers: [] },
    },
  };
}

export function aRoutingConfig(): RoutingConfig {
  const result = parseRoutingConfig(aRoutingInput());
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}
