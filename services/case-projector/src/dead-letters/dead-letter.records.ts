import { type OutgoingRecord } from '@beacon/kafka';
import { type DeadLetter } from '../projection/case.projection';

/** Headers that say why and where from; the original record's key, value and headers travel unchanged. */
export const DLQ_HEADERS = {
  reason: 'beacon-dlq-reason',
  message: 'beacon-dlq-message',
  source: 'beacon-dlq-source',
} as const;

export function deadLetterRecords(letters: readonly DeadLetter[]): OutgoingRecord[] {
  return letters.map(({ record, reason, message }) => ({
    key: record.key?.toString('utf8') ?? '',
    value: record.value?.toString('utf8') ?? '',
    headers: {
      ...Object.fromEntries(
        Object.entries(record.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? String(v[0]) : String(v)]])),
      ),
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.message]: message.slice(0, 500),
      [DLQ_HEADERS.source]: `${record.topic}/${record.partition}/${record.offset}`,
    },
  }));
}
