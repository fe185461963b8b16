export {
  childSpan,
  continueTrace,
  currentTrace,
  formatTraceparent,
  newTraceContext,
  parseTraceparent,
  withTrace,
  type TraceContext,
} from './lib/trace-context';
export { baseLoggerOptions, createLogger, nestLoggerParams, REDACTED_PATHS } from './lib/logging';
export { LATENCY_BUCKETS, ServiceMetrics } from './lib/metrics';
export { MetricsController, ObservabilityModule, type ObservabilityOptions } from './lib/observability.module';
export { METRICS, type MetricName } from './lib/metric-names';
