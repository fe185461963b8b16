import { caseRefOf as dispatcherCaseRef } from '@beacon/alerting-domain';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { caseRefOf, clock, compareAlerts, duration, pickLocale, translate } from './format';
import { SseParser } from './sse-parser';

const publicDir = path.join(__dirname, '..', 'public');
const catalogue = (locale: string) =>
  JSON.parse(readFileSync(path.join(publicDir, 'i18n', `${locale}.json`), 'utf8')) as Record<string, string>;

describe(SseParser.name, () => {
  it('yields named events split across chunks, with CRLF, comments and multi-line data', () => {
    const sut = new SseParser();
    const out = [
      ...sut.push('retry: 3000\r\n\r\n: keep-alive\r\n\r\nevent: ale'),
      ...sut.push('rt\r'),
      ...sut.push('\ndata: {"a":1}\r\n\r\ndata: one\ndata: two\n'),
      ...sut.push('\n'),
    ];
    expect(out).toEqual([
      { event: 'alert', data: '{"a":1}' },
      { event: 'message', data: 'one\ntwo' },
    ]);
  });
});

describe('caseRefOf', () => {
  it('gives the reference the dispatcher puts in pages', () => {
    for (let i = 0; i < 50; i++) {
      const id = randomUUID();
      expect(caseRefOf(id)).toBe(dispatcherCaseRef(id));
    }
  });
});

describe('clock and duration', () => {
  it('counts down as mm:ss, and h:mm:ss past an hour', () => {
    expect(clock(14 * 60_000 + 5_000)).toBe('14:05');
    expect(clock(-65_000)).toBe('01:05');
    expect(clock(3_723_000)).toBe('1:02:03');
    expect(duration(38)).toBe('38 s');
    expect(duration(252)).toBe('4 min 12 s');
    expect(duration(null)).toBeNull();
  });
});

describe('compareAlerts', () => {
  it('puts critical before high, untaken before taken, nearest deadline first', () => {
    const base = { raisedAt: '2026-11-27T23:40:00Z', acknowledgedAt: null, deadlineAt: null };
    const list = [
      { ...base, id: 'high', urgency: 'high' },
      { ...base, id: 'taken', urgency: 'critical', acknowledgedAt: '2026-11-27T23:45:00Z' },
      { ...base, id: 'later', urgency: 'critical', deadlineAt: '2026-11-27T23:59:00Z' },
      { ...base, id: 'sooner', urgency: 'critical', deadlineAt: '2026-11-27T23:55:00Z' },
    ];
    expect(list.sort(compareAlerts).map((a) => a.id)).toEqual(['sooner', 'later', 'taken', 'high']);
  });
});

describe('message catalogues', () => {
  const en = catalogue('en');
  const ru = catalogue('ru');

  it('has a Russian message for every English one, and no stray keys', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    // Same in both languages on purpose: an acronym, a dash, placeholders only.
    const sameInBoth = ['channel.sms', 'common.none', 'auth.signedInAs'];
    const untranslated = Object.keys(en).filter((k) => ru[k] === en[k] && !sameInBoth.includes(k));
    expect(untranslated).toEqual([]);
  });

  it('has every key the page and the script use', () => {
    const html = readFileSync(path.join(publicDir, 'index.html'), 'utf8');
    const script = readFileSync(path.join(__dirname, 'main.ts'), 'utf8');
    const used = [
      ...[...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]),
      ...[...html.matchAll(/data-i18n-attr="[^:]+:([^"]+)"/g)].map((m) => m[1]),
      ...[...script.matchAll(/\bt\('([a-zA-Z.-]+)'/g)].map((m) => m[1]),
    ];
    expect(used.length).toBeGreaterThan(40);
    expect(used.filter((k) => !(k && k in en))).toEqual([]);
  });

  it('falls back to English for a locale without its own catalogue, and fills parameters', () => {
    expect(translate(null, en, 'alerts.tier', { tier: 2 })).toBe('Tier 2');
    expect(translate(ru, en, 'alerts.tier', { tier: 2 })).toBe('Уровень 2');
    expect(translate({}, en, 'alerts.title')).toBe(en['alerts.title']);
    expect(pickLocale(['kk-KZ', 'ru'])).toBe('kk');
    expect(pickLocale(['de-DE'])).toBe('en');
  });
});
