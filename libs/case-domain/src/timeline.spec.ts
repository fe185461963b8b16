import { EVENT_NAMES, EXAMPLES } from '@beacon/events';
import { timelineEntry } from './index';

describe(timelineEntry.name, () => {
  it('summarises a detention in codes', () => {
    const event = EXAMPLES['detention-reported'];

    const sut = timelineEntry(event);

    expect(sut).toEqual({
      eventId: event.id,
      type: 'org.beacon.detention-reported.v2',
      name: 'detention-reported',
      occurredAt: event.occurredat,
      recordedAt: event.time,
      summary:
        'detention-reported: authority=unidentified-armed-men manner=home-raid reason=none-given witnesses=3 region=almaty',
    });
  });

  it('records who was told and how, for the accountability record', () => {
    expect(timelineEntry(EXAMPLES['notification-sent']).summary).toBe(
      'notification-sent: alert=d2b4f6a8-0c1e-4f3a-b5d7-e9f1a3c5e7b9 recipient=usr_officer_almaty_02 channel=sms tier=0 attempt=1',
    );
    expect(timelineEntry(EXAMPLES['alert-acknowledged']).summary).toBe(
      'alert-acknowledged: alert=d2b4f6a8-0c1e-4f3a-b5d7-e9f1a3c5e7b9 by=usr_officer_almaty_02 via=sms',
    );
  });

  it('keeps only the error code of a failed notification', () => {
    const event = EXAMPLES['notification-failed'];

    expect(timelineEntry(event).summary).toContain('error=smtp-451 ');
    expect(
      timelineEntry({ ...event, data: { ...event.data, reason: 'rustam@example.org bounced' } })
        .summary,
    ).toContain('error=unspecified');
  });

  it.each(EVENT_NAMES)(
    '%s: no sealed value, person reference, district or country in the summary',
    (name) => {
      const event = EXAMPLES[name];
      const { summary } = timelineEntry(event);

      expect(summary.startsWith(name)).toBe(true);
      expect(summary).not.toMatch(/p_[A-Za-z0-9_-]{16}|A256GCM|alatau|medeu|\bUZ\b|\bRU\b/);
      expect(summary).not.toMatch(/notes|name=|phone/);
    },
  );
});
