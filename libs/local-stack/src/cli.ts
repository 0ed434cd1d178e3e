import { resolve } from 'node:path';
import { configPath } from '@connaisseur-mesh/config';
import { APPS, LocalStack } from './local-stack';
import { repoRoot } from './repo';

/** `npm start`: the five apps on loopback until Ctrl-C. */
async function main() {
  const config = resolve(repoRoot, configPath());
  process.stdout.write(`starting ${APPS.join(', ')} with ${config}\n`);
  const stack = await LocalStack.start({ config });
  process.stdout.write(
    [
      '',
      `connaisseur-mesh is up: webhook ${stack.webhookUrl}, ops ${stack.opsUrl('management')} (/livez /readyz /statusz /metrics)`,
      `try: curl -sk -H 'Content-Type: application/json' --data @examples/allowed-pod.json ${stack.webhookUrl}`,
      'Ctrl-C stops all of them.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
