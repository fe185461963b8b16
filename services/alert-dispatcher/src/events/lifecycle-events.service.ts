import {
  CASE_EVENTS_TOPIC,
  createEvent,
  encodeForKafka,
  type CaseEvent,
  type EventData,
  type EventName,
} from '@beacon/events';
import { topicName } from '@beacon/kafka';
import { currentTraceparent } from '@beacon/observability';
import { Outbox, type PoolClient } from '@beacon/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';

const SOURCE = '/beacon/alert-dispatcher';

/**
 * Alert lifecycle events (raised, sent, delivered, failed, escalated, acknowledged, resolved)
 * go onto the case topic through the dispatcher's outbox, in the transaction that decided
 * them: the case timeline is the accountability record, and a replay finds them there.
 */
@Injectable()
export class LifecycleEvents {
  readonly topic: string;
  readonly outbox = new Outbox('alerting');

  constructor(@Inject(DISPATCHER_CONFIG) config: DispatcherConfig) {
    this.topic = topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
  }

  async emit<N extends EventName>(
    client: PoolClient,
    name: N,
    caseId: string,
    now: Date,
    data: EventData<N>,
    incidentId?: string | null,
  ): Promise<void> {
    await this.emitAll(client, [this.build(name, caseId, now, data, incidentId)]);
  }

  /** Several events in one append: one insert for a batch of outcomes. */
  async emitAll(client: PoolClient, events: readonly CaseEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.outbox.append(
      client,
      events.map((event) => ({ eventId: event.id, topic: this.topic, ...encodeForKafka(event) })),
    );
  }

  build<N extends EventName>(
    name: N,
    caseId: string,
    now: Date,
    data: EventData<N>,
    incidentId?: string | null,
  ): CaseEvent {
    // Built while handling an event (or a message it caused): the lifecycle event joins its trace.
    const traceparent = currentTraceparent();
    return createEvent(name, {
      id: randomUUID(),
      caseId,
      time: now,
      occurredAt: now,
      source: SOURCE,
      ...(incidentId ? { incidentId } : {}),
      ...(traceparent ? { traceparent } : {}),
      data,
    });
  }
}
