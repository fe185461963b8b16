import { onCallFor } from './on-call';
import { aRoutingConfig } from './routing-config.fixture';

const sut = onCallFor;
const config = aRoutingConfig();
const at = (iso: string) => new Date(iso);

describe(onCallFor.name, () => {
  describe('weekly rotation in Almaty (UTC+5, handover Monday 09:00 = 04:00Z)', () => {
    it('gives the first week from startsOn at the handover time', () => {
      expect(sut(config, 'almaty', at('2025-01-06T04:00:00Z'))).toEqual({
        primary: 'po-1',
        deputy: 'po-2',
      });
    });

    it('keeps the outgoing week on Sunday night and Monday morning until the handover', () => {
      expect(sut(config, 'almaty', at('2025-01-12T22:00:00Z'))).toEqual({
        primary: 'po-1',
        deputy: 'po-2',
      });
      expect(sut(config, 'almaty', at('2025-01-13T03:59:59Z'))).toEqual({
        primary: 'po-1',
        deputy: 'po-2',
      });
    });

    it('hands over at 09:00 region time, not 09:00 UTC or server time', () => {
      expect(sut(config, 'almaty', at('2025-01-13T04:00:00Z'))).toEqual({
        primary: 'po-2',
        deputy: 'po-3',
      });
      expect(sut(config, 'almaty', at('2025-01-13T08:59:00Z'))).toEqual({
        primary: 'po-2',
        deputy: 'po-3',
      });
    });

    it('cycles back to the first week after the last', () => {
      expect(sut(config, 'almaty', at('2025-01-20T04:00:00Z'))).toEqual({
        primary: 'po-1',
        deputy: 'po-2',
      });
      expect(sut(config, 'almaty', at('2025-12-22T04:00:00Z'))).toEqual({
        primary: 'po-1',
        deputy: 'po-2',
      });
    });

    it('runs the cycle backwards before startsOn, so editing it leaves no gap', () => {
      expect(sut(config, 'almaty', at('2025-01-06T03:59:00Z'))).toEqual({
        primary: 'po-2',
        deputy: 'po-3',
      });
      expect(sut(config, 'almaty', at('2024-12-30T04:00:00Z'))).toEqual({
        primary: 'po-2',
        deputy: 'po-3',
      });
    });

    it("follows the zone's own history: Almaty moved from UTC+6 to UTC+5 on 2024-03-01", () => {
      // 2024-02-26 09:00 was 03:00Z; 2024-03-04 09:00 was 04:00Z.
      expect(sut(config, 'almaty', at('2024-02-26T02:59:00Z'))).not.toEqual(
        sut(config, 'almaty', at('2024-02-26T03:00:00Z')),
      );
      expect(sut(config, 'almaty', at('2024-03-04T03:00:00Z'))).toEqual(
        sut(config, 'almaty', at('2024-03-04T03:59:00Z')),
      );
      expect(sut(config, 'almaty', at('2024-03-04T03:59:00Z'))).not.toEqual(
        sut(config, 'almaty', at('2024-03-04T04:00:00Z')),
      );
    });
  });

  describe('in a zone with summer time (Berlin, handover Monday 09:00)', () => {
    it('hands over at 08:00Z in winter and 07:00Z after the clocks go forward', () => {
      expect(sut(config, 'berlin', at('2025-03-24T07:59:00Z'))?.primary).toBe('po-4');
      expect(sut(config, 'berlin', at('2025-03-24T08:00:00Z'))?.primary).toBe('po-5');
      expect(sut(config, 'berlin', at('2025-03-31T06:59:00Z'))?.primary).toBe('po-5');
      expect(sut(config, 'berlin', at('2025-03-31T07:00:00Z'))?.primary).toBe('po-4');
    });
  });

  describe('overrides', () => {
    // The fixture's override: po-3 primary from 2025-06-09 09:00 to 2025-06-16 09:00, Almaty time.
    it('replace the slot they set for exactly their span, half-open', () => {
      expect(sut(config, 'almaty', at('2025-06-09T03:59:00Z'))).toEqual({
        primary: 'po-2',
        deputy: 'po-3',
      });
      expect(sut(config, 'almaty', at('2025-06-09T04:00:00Z'))).toEqual({
        primary: 'po-3',
        deputy: 'po-2',
      });
      expect(sut(config, 'almaty', at('2025-06-16T03:59:59Z'))).toEqual({
        primary: 'po-3',
        deputy: 'po-2',
      });
      expect(sut(config, 'almaty', at('2025-06-16T04:00:00Z'))).toEqual({
        primary: 'po-2',
        deputy: 'po-3',
      });
    });

    it('read an explicit offset as an instant', () => {
      const withOffset = aRoutingConfig();
      withOffset.regions.almaty!.overrides = [
        { from: '2025-06-01T00:00:00Z', to: '2025-06-01T01:00:00Z', deputy: 'po-1' },
      ];

      expect(sut(withOffset, 'almaty', at('2025-06-01T00:30:00Z'))?.deputy).toBe('po-1');
      expect(sut(withOffset, 'almaty', at('2025-06-01T01:00:00Z'))?.deputy).not.toBe('po-1');
    });
  });

  it('returns null for an unknown region', () => {
    expect(sut(config, 'atyrau', at('2025-01-06T04:00:00Z'))).toBeNull();
    expect(sut(config, 'constructor', at('2025-01-06T04:00:00Z'))).toBeNull();
  });
});
