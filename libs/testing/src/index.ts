export { createTestDatabase, freePort, requireInfrastructure, uniqueName, waitFor, type TestDatabase } from './lib/infrastructure';
export { startSmtpCapture, type CapturedMail, type SmtpCapture, type SmtpCaptureOptions } from './lib/smtp-capture';
export { builtEntry, spawnService, startService, type ServiceName, type ServiceProcess } from './lib/service-process';
export { composeEnvironment } from './lib/compose';
