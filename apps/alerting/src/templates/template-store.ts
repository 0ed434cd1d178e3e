import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AlertTemplate, TemplateError } from './alert-template';

/**
 * The templates shipped with the service, `apps/alerting/templates/<name>.json`, found above this
 * file like the proto/ folder (source tree, dist/, or the image's /app).
 */
export function builtInTemplatesDir(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'apps/alerting/templates');
    if (existsSync(join(candidate, 'slack.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error('cannot find the built-in alert templates (apps/alerting/templates)');
  }
}

/**
 * Templates by name: `<name>.json` in the user's directory (ALERT_TEMPLATES_DIR), which may also
 * replace a built-in one, else among the built-in ones. Each is read and compiled once.
 */
export class TemplateStore {
  private readonly compiled = new Map<string, AlertTemplate>();

  constructor(
    private readonly builtInDir: string,
    private readonly userDir?: string,
  ) {}

  /** Problems with the store itself (an ALERT_TEMPLATES_DIR that is not a directory). */
  problems(): string[] {
    if (this.userDir === undefined) return [];
    try {
      if (statSync(this.userDir).isDirectory()) return [];
    } catch {
      // reported below
    }
    return [`ALERT_TEMPLATES_DIR: ${this.userDir} is not a directory`];
  }

  /** The compiled template, or a TemplateError saying where it was looked for or why it does not compile. */
  get(name: string): AlertTemplate {
    let template = this.compiled.get(name);
    if (template) return template;
    const file = [this.userDir, this.builtInDir].map((dir) => dir && join(dir, `${name}.json`)).find((f) => f && existsSync(f));
    if (!file) throw new TemplateError(`no template "${name}": ${this.describe()}`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new TemplateError(`${file}: ${(e as Error).message}`);
    }
    template = AlertTemplate.compile(text, file);
    this.compiled.set(name, template);
    return template;
  }

  private describe(): string {
    const names = readdirSync(this.builtInDir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    const builtIn = `built-in templates are ${names.sort().join(', ')}`;
    return this.userDir ? `no ${this.userDir}/<name>.json (ALERT_TEMPLATES_DIR), and the ${builtIn}` : `the ${builtIn}; set ALERT_TEMPLATES_DIR for others`;
  }
}
