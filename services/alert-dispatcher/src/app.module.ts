import { createKafka } from '@beacon/kafka';
import { ObservabilityModule } from '@beacon/observability';
import { createPool, type Pool, TableUpkeep } from '@beacon/persistence';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { AckLinkController } from './acknowledgements/ack-link.controller';
import { AckLinks } from './acknowledgements/ack-links.service';
import { Acknowledgements } from './acknowledgements/acknowledgements.service';
import { AlertNotifier } from './alerts/alert-notifier.service';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsRepository } from './alerts/alerts.repository';
import { ServiceTokenGuard } from './alerts/service-token.guard';
import { ChannelRegistry } from './channels/channel-registry.service';
import { AlertDecisions } from './decisions/alert-decisions.service';
import { ReplayMarks } from './decisions/replay-marks.repository';
import { DeliveryReceipts } from './deliveries/delivery-receipts.service';
import { DeliveryWorker } from './deliveries/delivery.worker';
import { NotificationsRepository } from './deliveries/notifications.repository';
import { DISPATCHER_CONFIG, type DispatcherConfig } from './dispatcher.config';
import { DispatcherService } from './dispatcher.service';
import { ALERTING_POOL, KAFKA_CLIENT } from './dispatcher.tokens';
import { EscalationsRepository } from './escalation/escalations.repository';
import { TimersWorker } from './escalation/timers.worker';
import { EventsRelay } from './events/events-relay.service';
import { LifecycleEvents } from './events/lifecycle-events.service';
import { HealthController } from './health/health.controller';
import { IncidentPagesRepository } from './incidents/incident-pages.repository';
import { KannelInboundController } from './inbound/kannel-inbound.controller';
import { DispatcherMetrics } from './observability/dispatcher-metrics.service';
import { SmsInboundService } from './inbound/sms-inbound.service';
import { InstanceRegistry } from './routing/instance-registry.service';
import { RoutingService } from './routing/routing.service';
import { AuditAlertsWorker } from './security/audit-alerts.worker';

@Module({})
export class AppModule {
  static forConfig(config: DispatcherConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          service: 'alert-dispatcher',
          logLevel: config.LOG_LEVEL,
          metricsToken: config.METRICS_TOKEN,
        }),
      ],
      controllers: [HealthController, AlertsController, AckLinkController, KannelInboundController],
      providers: [
        { provide: DISPATCHER_CONFIG, useValue: config },
        {
          provide: ALERTING_POOL,
          useFactory: () => createPool(config.DATABASE_URL, 'alert-dispatcher', 20),
        },
        {
          provide: TableUpkeep,
          inject: [ALERTING_POOL],
          useFactory: (pool: Pool) =>
            new TableUpkeep(pool, {
              schemas: ['alerting'],
              intervalMs: config.TABLE_UPKEEP_INTERVAL_MS,
              log: new Logger(TableUpkeep.name),
            }),
        },
        {
          provide: KAFKA_CLIENT,
          useFactory: () =>
            createKafka({
              brokers: config.KAFKA_BROKERS,
              clientId: 'alert-dispatcher',
              topicPrefix: config.KAFKA_TOPIC_PREFIX,
            }),
        },
        {
          provide: AckLinks,
          useFactory: () =>
            new AckLinks(
              config.ACK_LINK_SECRET,
              config.PUBLIC_DISPATCHER_URL,
              config.ACK_LINK_TTL_MINUTES,
            ),
        },
        RoutingService,
        InstanceRegistry,
        LifecycleEvents,
        EventsRelay,
        AlertsRepository,
        EscalationsRepository,
        IncidentPagesRepository,
        NotificationsRepository,
        ReplayMarks,
        DeliveryReceipts,
        Acknowledgements,
        SmsInboundService,
        ChannelRegistry,
        AlertNotifier,
        DeliveryWorker,
        TimersWorker,
        AlertDecisions,
        ServiceTokenGuard,
        DispatcherService,
        AuditAlertsWorker,
        DispatcherMetrics,
      ],
    };
  }
}
