export {
  childSpan,
  continueTrace,
  currentTrace,
  currentTraceparent,
  enterTrace,
  formatTraceparent,
  newTraceContext,
  parseTraceparent,
  traceFromRecordHeaders,
  withTrace,
  type TraceContext,
} from './lib/trace-context';
export { baseLoggerOptions, createLogger, nestLoggerParams, REDACTED_PATHS } from './lib/logging';
export { consumerCrashCounter, LATENCY_BUCKETS, ServiceMetrics } from './lib/metrics';
export { metricsToken, MetricsController, ObservabilityModule, type ObservabilityOptions } from './lib/observability.module';
export { HealthChecks, NotReadyError, probe, type Probe, type Readiness } from './lib/health';
export { registerHttpTracing, traceOfRequest, type TraceableServer } from './lib/http-tracing';
export { METRICS, type MetricName } from './lib/metric-names';
