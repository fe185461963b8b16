// Tests may do I/O; the library may not. This reads the deployed development routing file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the service parses YAML; this test plays the service
import { parse } from 'yaml';
import { parseRoutingConfig, formatRoutingConfigErrors } from './routing-config';
import { recipientsForTier } from './recipients';
import { onCallFor } from './on-call';

const file = join(__dirname, '../../../deploy/routing/routing.yaml');

describe('deploy/routing/routing.yaml', () => {
  const result = parseRoutingConfig(parse(readFileSync(file, 'utf8')));
  const config = (() => {
    if (!result.ok) throw new Error(formatRoutingConfigErrors(result.errors));
    return result.config;
  })();

  it('is a valid routing configuration', () => {
    expect(result.ok).toBe(true);
  });

  it('covers the three regions in Almaty time, each with two or three officers and a partner', () => {
    expect(Object.keys(config.regions).sort()).toEqual(['almaty', 'astana', 'shymkent']);
    for (const region of Object.values(config.regions)) {
      expect(region.timezone).toBe('Asia/Almaty');
      expect(region.rotation.weeks).toHaveLength(2);
      expect(region.legalAidPartners).toHaveLength(1);
    }
  });

  it('uses only fictitious addresses', () => {
    const contacts = [...Object.values(config.people), ...Object.values(config.partners)];
    for (const contact of contacts) {
      expect(contact.email).toMatch(/@beacon\.example$/);
      expect(contact.phone).toMatch(/^\+7700000\d{4}$/);
    }
  });

  it('pages critical cases per DOMAIN.md: officer and lawyer, deputy at 15, lead and UNHCR at 30', () => {
    const at = new Date('2025-03-05T20:00:00Z');
    const tiers = [0, 1, 2].map((tier) =>
      recipientsForTier(config, 'almaty', 'critical', tier, at),
    );
    const onCall = onCallFor(config, 'almaty', at);

    expect(tiers.map((t) => t?.recipients.map((r) => r.id))).toEqual([
      [onCall?.primary, 'lap-almaty'],
      [onCall?.deputy],
      ['lead-almaty', 'unhcr-kz'],
    ]);
    expect(tiers.map((t) => t?.ackTimeoutMinutes)).toEqual([15, 15, null]);
    expect(tiers.map((t) => t?.isLast)).toEqual([false, false, true]);
    expect(
      tiers[0]?.recipients.every(
        (r) =>
          r.channels
            .map((c) => c.channel)
            .sort()
            .join() === 'email,sms',
      ),
    ).toBe(true);
  });

  it('pages high cases by e-mail and SMS and escalates once after two hours', () => {
    const at = new Date('2025-03-05T20:00:00Z');

    expect(recipientsForTier(config, 'astana', 'high', 0, at)).toMatchObject({
      ackTimeoutMinutes: 120,
      isLast: false,
    });
    expect(recipientsForTier(config, 'astana', 'high', 1, at)).toMatchObject({
      ackTimeoutMinutes: null,
      isLast: true,
    });
    expect(recipientsForTier(config, 'astana', 'high', 2, at)).toBeNull();
  });

  it('carries the example override: leave cover in the Almaty week of 9 June 2025', () => {
    const primaryOn = (iso: string) => onCallFor(config, 'almaty', new Date(iso))?.primary;

    // Two weeks later the rota is back on the week the override covers.
    expect(primaryOn('2025-06-23T04:00:00Z')).toBe('po-almaty-1');
    expect(primaryOn('2025-06-09T03:59:00Z')).toBe('po-almaty-2');
    expect(primaryOn('2025-06-09T04:00:00Z')).toBe('po-almaty-3');
    expect(primaryOn('2025-06-16T04:00:00Z')).toBe('po-almaty-2');
  });

  it('keeps routine cases on the console', () => {
    expect(config.policies.routine.tiers).toEqual([]);
    expect(
      recipientsForTier(config, 'shymkent', 'routine', 0, new Date('2025-03-05T20:00:00Z')),
    ).toBeNull();
  });
});
