import { type Admin, type Kafka } from 'kafkajs';

// Below a scrape timeout: a slow broker costs this figure, not the whole scrape.
const TIMEOUT_MS = 1_500;

/**
 * How far a consumer whose position lives in its own database is behind the log: per partition,
 * the high watermark minus the next offset it stored. Asked at scrape time, so a consumer that
 * is stuck (or not running) shows a growing lag instead of its last reported one.
 */
export class ConsumerLag {
  private readonly admin: Admin;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly storedOffsets: (topic: string) => Promise<Map<number, string>>,
  ) {
    this.admin = kafka.admin({ retry: { retries: 0 } });
  }

  /** Lag per partition; rejects when Kafka does not answer in time. */
  async measure(): Promise<Map<number, number>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Kafka did not answer in time')), TIMEOUT_MS);
    });
    try {
      if (!this.connected) {
        await Promise.race([this.admin.connect(), timeout]);
        this.connected = true;
      }
      const [ends, stored] = await Promise.race([Promise.all([this.admin.fetchTopicOffsets(this.topic), this.storedOffsets(this.topic)]), timeout]);
      return new Map(
        ends.map((p) => {
          const end = BigInt(p.high);
          const next = BigInt(stored.get(p.partition) ?? p.low);
          return [p.partition, Number(end > next ? end - next : 0n)];
        }),
      );
    } catch (error) {
      this.connected = false;
      await this.admin.disconnect().catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.admin.disconnect().catch(() => undefined);
  }
}
