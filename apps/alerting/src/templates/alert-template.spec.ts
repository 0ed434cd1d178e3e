import { AlertTemplate, AlertValues, TemplateError } from './alert-template';

const VALUES: AlertValues = {
  alert_message: 'CONNAISSEUR admitted a request',
  priority: 3,
  connaisseur_pod_id: 'management-0',
  cluster: 'prod',
  namespace: 'default',
  timestamp: '2024-05-30 15:18:10.123 +0000 UTC',
  request_id: 'uid-1',
  images: 'nginx, redis',
  result: 'success',
  error: '',
  decision: 'allowed',
  kind: 'Pod',
  name: 'web',
  user: 'alice',
};

const render = (text: string, values: Partial<AlertValues> = {}, payloadFields?: Record<string, unknown>) =>
  AlertTemplate.compile(text, 't.json').render({ ...VALUES, ...values }, payloadFields);
const compileError = (text: string) => {
  try {
    AlertTemplate.compile(text, 't.json');
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return (e as Error).message;
  }
  throw new Error('compiled');
};

describe('alert templates', () => {
  it("fills Connaisseur's placeholders, with or without spaces", () => {
    expect(render('{"a": "{{alert_message}}", "b": "{{ cluster }}/{{  namespace  }}", "c": "P{{ priority }}"}')).toBe(
      '{"a":"CONNAISSEUR admitted a request","b":"prod/default","c":"P3"}',
    );
  });

  it('finds a placeholder by its Go field name as Connaisseur does (snake, camel, Go syntax)', () => {
    expect(render('{"a": "{{ request_id }}|{{ requestId }}|{{ RequestID }}|{{ .request_id }}|{{ request-id }}"}')).toBe('{"a":"uid-1|uid-1|uid-1|uid-1|uid-1"}');
  });

  it('escapes values so that they cannot leave their JSON string', () => {
    const images = 'a"}, "injected": {"x": "\\\n\t\u0001\u2028';
    const body = render('{"images": "{{ images }}"}', { images })!;
    expect(JSON.parse(body)).toEqual({ images });
    expect(body).toBe('{"images":"a\\"}, \\"injected\\": {\\"x\\": \\"\\\\\\n\\t\\u0001\\u2028"}');
  });

  it('writes <, > and & as Go does (\\u003c …), sorting the keys', () => {
    expect(render('{"value": "{{ connaisseur_pod_id }}", "name": "x"}', { connaisseur_pod_id: '<script>alert("ISAINJECTION")</script>&' })).toBe(
      '{"name":"x","value":"\\u003cscript\\u003ealert(\\"ISAINJECTION\\")\\u003c/script\\u003e\\u0026"}',
    );
  });

  it('puts the priority in as a number, also outside a string', () => {
    expect(render('{"severity": {{ priority }}}', { priority: 7 })).toBe('{"severity":7}');
  });

  it('rejects an unknown placeholder at compile time, with its line', () => {
    expect(compileError('{\n  "name": "{{ connaisseur_podsss }}"\n}')).toMatch(/^t\.json: line 2: unknown placeholder "{{ connaisseur_podsss }}" \(known: alert_message, /);
    expect(compileError('{"x": "{{ }}"}')).toContain('unknown placeholder "{{ }}"');
  });

  it.each(['{"prio": "{{{ priority }}}"}', '{"prio": "{{{ priority }}"}', '{"prio": "{{{{ priority }}"}'])(
    'rejects a "{{" that does not open a placeholder, as Go\'s parser does: %s',
    (text) => {
      expect(compileError(text)).toBe('t.json: line 1: unexpected "{" in command');
    },
  );

  it('leaves single braces alone', () => {
    expect(render('{"prio": "{ priority }", "x": "}}"}')).toBe('{"prio":"{ priority }","x":"}}"}');
  });

  it.each(['', '  \n', '{}', '{ }'])('sends nothing when the template renders to %j', (text) => {
    expect(render(text, {}, { extra: 1 })).toBeUndefined();
  });

  it.each([
    ['[1, 2]', 'does not render to a JSON object'],
    ['"text"', 'does not render to a JSON object'],
    ['{"a": {{ images }}}', 'does not render to JSON'],
  ])('refuses a rendering that is not a JSON object: %s', (text, message) => {
    expect(() => render(text)).toThrow(`t.json: ${message}`);
  });

  it('merges payloadFields into the top level, replacing keys, and sorts nested keys', () => {
    const body = render('{"tags": [], "details": {"b": 1, "a": 2}, "message": "{{ alert_message }}"}', {}, {
      tags: ['deployed_an_image'],
      responders: [{ username: 'me@example.com', type: 'user' }],
    });
    expect(body).toBe(
      '{"details":{"a":2,"b":1},"message":"CONNAISSEUR admitted a request","responders":[{"type":"user","username":"me@example.com"}],"tags":["deployed_an_image"]}',
    );
  });

  it('refuses payloadFields JSON cannot carry', () => {
    expect(() => render('{"a": 1}', {}, { b: Infinity })).toThrow('t.json: cannot write the payload: json: unsupported value: Infinity');
  });
});
