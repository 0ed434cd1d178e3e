import { configPath, ConfigError, loadConfigFile, podName } from '@connaisseur-mesh/config';
import { AppContext } from './app-context';
import { createLogger } from './logger';
import { createRegistry } from './metrics';

/**
 * What every app does first: load and check the configuration (exit 1 listing every problem),
 * then build its logger and metrics registry.
 */
export function prepareApp(service: string, options: { redactLogs: boolean }): AppContext {
  let config;
  try {
    config = loadConfigFile(configPath());
  } catch (e) {
    exitOnConfigError(service, e instanceof ConfigError ? e : new ConfigError(configPath(), [(e as Error).message]));
  }
  const logger = createLogger({
    service,
    pod: podName(),
    level: config.config.logLevel,
    format: config.config.logFormat,
    redact: options.redactLogs,
  });
  for (const warning of config.warnings) logger.warn({ config: config.source }, warning);
  return { config, logger, registry: createRegistry() };
}

/**
 * Ends the process (exit 1) listing every problem with its path, one per line, after a JSON line
 * for log collectors. For the configuration file and for what an app derives from it at start
 * (e.g. the alert templates its receivers name).
 */
export function exitOnConfigError(service: string, error: ConfigError): never {
  const { source, problems } = error;
  process.stderr.write(`${JSON.stringify({ level: 'fatal', service, msg: `invalid configuration ${source}`, problems })}\n`);
  for (const problem of problems) process.stderr.write(`  ${problem}\n`);
  process.exit(1);
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits. */
export function onShutdownSignal(logger: AppContext['logger'], stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop()
      .catch((e: Error) => logger.error({ err: e }, 'error while shutting down'))
      .finally(() => {
        logger.flush();
        process.exit(0);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Runs an app's bootstrap; a failure to start (a missing secret, a port in use) exits 1 with the reason. */
export function runApp(service: string, bootstrap: () => Promise<unknown>): void {
  bootstrap().catch((e: Error) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service, msg: `cannot start: ${e.message}` })}\n`);
    process.exit(1);
  });
}
