import { envString } from '@connaisseur-mesh/config';

/** ALERT_TEMPLATES_DIR: the user's templates, `<name>.json` (ARCHITECTURE.md "Services, ports, environment"). */
export const alertTemplatesDir = () => envString('ALERT_TEMPLATES_DIR');
