import { type Admin, type Kafka } from 'kafkajs';

/**
 * Asks the cluster for its metadata on one kept connection, without client retries: what a
 * readiness check needs (one round trip, an answer within the check's timeout).
 */
export class BrokerProbe {
  private readonly admin: Admin;
  private connected = false;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin({ retry: { retries: 0 } });
  }

  async check(): Promise<void> {
    try {
      if (!this.connected) {
        await this.admin.connect();
        this.connected = true;
      }
      await this.admin.describeCluster();
    } catch (error) {
      this.connected = false;
      await this.admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.admin.disconnect().catch(() => undefined);
  }
}
