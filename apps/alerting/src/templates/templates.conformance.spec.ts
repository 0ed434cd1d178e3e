import { conformancePath, describeConformance } from '@connaisseur-mesh/testing';
import { AlertValues } from './alert-template';
import { builtInTemplatesDir, TemplateStore } from './template-store';

const EMPTY: AlertValues = {
  alert_message: '',
  priority: 0,
  connaisseur_pod_id: '',
  cluster: '',
  namespace: '',
  timestamp: '',
  request_id: '',
  images: '',
  result: '',
  error: '',
  decision: '',
  kind: '',
  name: '',
  user: '',
};

/**
 * Connaisseur's alert templates (alerts/06–16) render to the payloads its own tests expect
 * (reference §12.6; internal/alert/channel_test.go and template_test.go). They are read from the
 * conformance data as a user's ALERT_TEMPLATES_DIR.
 */
describeConformance("Connaisseur's alert template fixtures", () => {
  const store = new TemplateStore(builtInTemplatesDir(), conformancePath('alerts'));
  const render = (name: string, values: Partial<AlertValues> = {}, payloadFields?: Record<string, unknown>) =>
    store.get(name).render({ ...EMPTY, ...values }, payloadFields);

  it('06_template with pod id "1"', () => {
    expect(render('06_template', { connaisseur_pod_id: '1' })).toBe('{"name":"connaisseur_pod_id","value":"1"}');
  });

  it('06_template keeps an injection attempt inside its string', () => {
    expect(render('06_template', { connaisseur_pod_id: '<script>alert("ISAINJECTION")</script>' })).toBe(
      '{"name":"connaisseur_pod_id","value":"\\u003cscript\\u003ealert(\\"ISAINJECTION\\")\\u003c/script\\u003e"}',
    );
  });

  it('07_opsgenie with test1…test6, priority 7 and payloadFields: keys sorted, fields merged', () => {
    const values = {
      alert_message: 'test1',
      images: 'test2',
      connaisseur_pod_id: 'test3',
      timestamp: '1970-01-01T00:00:00Z',
      cluster: 'test4',
      namespace: 'test5',
      request_id: 'test6',
      priority: 7,
    };
    expect(render('07_opsgenie', values, { responders: ['test8'], visibleTo: ['test9'], tags: ['test10'] })).toBe(
      '{"actions":[],"alias":"test1 while deploying the images test2.","description":"test1 while deploying the following images:\\n test2 \\n\\n Please check the logs of the `test3` for more details.","details":{"alert_created":"1970-01-01T00:00:00Z","cluster":"test4","namespace":"test5","pod":"test3","request_id":"test6"},"entity":"Connaisseur","message":"test1","priority":"P7","responders":["test8"],"tags":["test10"],"visibleTo":["test9"]}',
    );
  });

  it('08_render_err: an unknown placeholder is an error', () => {
    expect(() => store.get('08_render_err')).toThrow(/08_render_err\.json: line 2: unknown placeholder "{{ connaisseur_podsss }}"/);
  });

  it('09_empty sends nothing', () => {
    expect(render('09_empty')).toBeUndefined();
  });

  it('10_allow_no_header and 11_fail_template render as written', () => {
    expect(render('10_allow_no_header')).toBe('{"allow_no_header":true}');
    expect(render('11_fail_template')).toBe('{"fail":true}');
  });

  it('12_send_notif_test with cluster "test"', () => {
    expect(render('12_send_notif_test', { cluster: 'test', alert_message: 'CONNAISSEUR admitted a request' })).toBe(
      '{"cluster":"test","message":"CONNAISSEUR admitted a request"}',
    );
  });

  it('13_priority puts the priority into a string', () => {
    expect(render('13_priority', { priority: 69 })).toBe('{"prio":"69"}');
  });

  it.each(['14_triple_bracket', '15_mismatch_bracket'])('%s is a parse error', (name) => {
    expect(() => store.get(name)).toThrow('unexpected "{" in command');
  });

  it('16_single_bracket stays literal', () => {
    expect(render('16_single_bracket')).toBe('{"prio":"{ priority }"}');
  });

  // Leftovers of a pre-JSON draft (00/02 are Go templates over validation results; Connaisseur's
  // mock webhook still answers the bodies "fail" and "allow_no_header" of 03/04): no Connaisseur
  // test reads them, and Connaisseur reads templates only as <name>.json.
  it.each(['00_template.tpl', '01_empty.tpl', '02_faulty_template.tpl', '03_fail_template.tpl', '04_allow_no_header.tpl', '05_render_err.tpl'])(
    '%s beside the templates is none (like Connaisseur, only <name>.json are)',
    (file) => {
      expect(() => store.get(file.replace(/\.tpl$/, ''))).toThrow(`no template "${file.replace(/\.tpl$/, '')}"`);
      expect(() => store.get(file)).toThrow(`no template "${file}"`);
    },
  );

  it('a template that does not exist is an error naming where it was looked for', () => {
    expect(() => store.get('404_not_found')).toThrow(/no template "404_not_found": no .*\/alerts\/<name>\.json \(ALERT_TEMPLATES_DIR\), and the built-in templates are ecs-1-12-0, keybase, msteams, opsgenie, slack/);
  });
});
