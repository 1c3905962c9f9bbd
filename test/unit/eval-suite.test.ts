/** Suite files: promptfoo's layout is accepted, test files (CSV/JSONL) are read, and a suite that cannot run is refused with a message. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { loadSuite, parseSuite, targetModel } from '../../src/eval/load-suite.js';
import { offeredTools, renderPrompt, runEval } from '../../src/eval/runner.js';
import { expectedToAssertion, parseCsv } from '../../src/eval/test-files.js';

const dir = mkdtempSync(join(tmpdir(), 'meridian-eval-suite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('promptfoo layout', () => {
  it('reads prompts, providers (as targets), tests, defaultTest, threshold, weight and evaluateOptions', () => {
    const suite = parseSuite(
      `
description: translate
prompts:
  - 'Translate to {{language}}: {{input}}'
providers:
  - openai:gpt-4o-mini
  - id: ollama/llama3.2:3b
    label: local
    config: { temperature: 0, max_tokens: 50 }
defaultTest:
  vars: { language: French }
  assert:
    - type: latency
      threshold: 5000
  options:
    provider: judge-model
tests:
  - description: hello
    vars: { input: Hello }
    threshold: 0.5
    assert:
      - type: icontains
        value: bonjour
        weight: 2
      - type: llm-rubric
        value: is French
  - vars: { input: Bye, language: German }
evaluateOptions: { maxConcurrency: 2 }
outputPath: results.html
`,
      join(dir, 'suite.yaml'),
    );
    assert.equal(suite.description, 'translate');
    assert.deepEqual(
      suite.targets.map((t) => [t.model, t.label]),
      [
        ['gpt-4o-mini', 'openai:gpt-4o-mini'],
        ['ollama/llama3.2:3b', 'local'],
      ],
    );
    assert.deepEqual(suite.targets[1]!.config, { temperature: 0, max_tokens: 50 });
    assert.equal(suite.maxConcurrency, 2);
    assert.equal(suite.threshold, 1);
    const [first, second] = suite.tests;
    assert.deepEqual(first!.vars, { language: 'French', input: 'Hello' });
    assert.equal(first!.threshold, 0.5);
    assert.deepEqual(
      first!.assert.map((a) => [a.type, a.weight, a.provider]),
      [
        ['latency', undefined, undefined],
        ['icontains', 2, undefined],
        ['llm-rubric', undefined, 'judge-model'],
      ],
    );
    assert.deepEqual(second!.vars, { language: 'German', input: 'Bye' });
    assert.equal(second!.assert.length, 1, 'defaultTest assertions apply to every case');
  });

  it('maps OpenAI-style provider ids to the bare model and leaves aliases and provider/model alone', () => {
    assert.equal(targetModel('openai:chat:gpt-4o'), 'gpt-4o');
    assert.equal(targetModel('openai:gpt-4o'), 'gpt-4o');
    assert.equal(targetModel('meridian:local-chat'), 'local-chat');
    assert.equal(targetModel('ollama/qwen2.5:7b'), 'ollama/qwen2.5:7b');
    assert.equal(targetModel('chat-default'), 'chat-default');
  });

  it('reads prompts and tests from file:// paths: text, JSONL, CSV with __expected', () => {
    write('prompt.txt', 'Q: {{question}}');
    write(
      'cases.jsonl',
      '{"vars":{"question":"a"},"assert":[{"type":"equals","value":"A"}]}\n\n{"description":"b","vars":{"question":"b"}}\n',
    );
    write(
      'cases.csv',
      'question,__expected,__expected2,__description\n' +
        '"Say ""hi"", please",icontains: hi,"similar(0.9): hello, there",greeting\n' +
        'What is 2+2?,4,,math\n' +
        'JSON please,is-json,not-contains: sorry,json\n',
    );
    const file = write(
      's.yaml',
      'prompts: [file://prompt.txt]\ntargets: [m]\nembedding: emb\ntests: [file://cases.jsonl, file://cases.csv, {vars: {question: c}}]\n',
    );
    const suite = loadSuite(file);
    assert.equal(suite.prompts[0]!.raw, 'Q: {{question}}');
    assert.equal(suite.prompts[0]!.label, 'prompt.txt');
    assert.equal(suite.tests.length, 6);
    const csv = suite.tests.slice(2, 5);
    assert.deepEqual(csv[0]!.vars, { question: 'Say "hi", please' });
    assert.equal(csv[0]!.description, 'greeting');
    assert.deepEqual(
      csv[0]!.assert.map((a) => [a.type, a.value, a.threshold, a.provider]),
      [
        ['icontains', 'hi', undefined, undefined],
        ['similar', 'hello, there', 0.9, 'emb'],
      ],
    );
    assert.deepEqual(csv[1]!.assert, [{ type: 'equals', value: '4' }]);
    assert.deepEqual(
      csv[2]!.assert.map((a) => a.type),
      ['is-json', 'not-contains'],
    );
  });

  it('reads defaultTest from a file:// path too', () => {
    write('default.yaml', 'vars: { lang: French }\nassert: [{ type: latency, threshold: 100 }]\n');
    const suite = loadSuite(write('d.yaml', 'prompts: [p]\ntargets: [m]\ndefaultTest: file://default.yaml\ntests: [{vars: {x: 1}}]\n'));
    assert.deepEqual(suite.tests[0]!.vars, { lang: 'French', x: 1 });
    assert.deepEqual(suite.tests[0]!.assert, [{ type: 'latency', threshold: 100 }]);
    write('bad-default.yaml', 'assert: [{ kind: x }]\n');
    assert.throws(
      () => loadSuite(write('d2.yaml', 'prompts: [p]\ntargets: [m]\ndefaultTest: file://bad-default.yaml\ntests: [{}]\n')),
      /file:\/\/bad-default.yaml: not a valid defaultTest/,
    );
  });

  it('CSV parsing handles quotes, CRLF and line breaks inside quotes', () => {
    assert.deepEqual(parseCsv('a,b\r\n"x\ny","z ""q"""\r\n'), [
      ['a', 'b'],
      ['x\ny', 'z "q"'],
    ]);
    assert.throws(() => parseCsv('a\n"open'), /not closed/);
    assert.deepEqual(expectedToAssertion('grade: is helpful'), { type: 'llm-rubric', value: 'is helpful' });
    assert.deepEqual(expectedToAssertion('Paris: the capital'), { type: 'equals', value: 'Paris: the capital' });
  });

  it('renders chat-format prompts message by message and text prompts as one user message', () => {
    const chat = renderPrompt(
      { label: 'c', raw: '[{"role":"system","content":"Be brief"},{"role":"user","content":"{{q}}"}]' },
      { q: 'He said "hi"' },
    );
    assert.deepEqual(chat, [
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'He said "hi"' },
    ]);
    assert.deepEqual(renderPrompt({ label: 't', raw: '[draft] {{q}}' }, { q: 'x' }), [{ role: 'user', content: '[draft] x' }]);
  });
});

describe('tools offered to a target', () => {
  it('are the suite tools plus the target tools; a target tool replaces a suite tool of the same name', () => {
    const tool = (name: string, description: string) => ({ type: 'function' as const, function: { name, description } });
    const suite = parseSuite('prompts: [p]\ntargets: [m]\ntests: [{}]', join(dir, 't.yaml'));
    suite.tools = [tool('a', 'suite'), tool('b', 'suite')];
    const target = { model: 'm', label: 'm', config: { tools: [tool('b', 'target'), tool('c', 'target')] } };
    assert.deepEqual(
      offeredTools(suite, target).map((t) => `${t.function.name}:${t.function.description}`),
      ['a:suite', 'b:target', 'c:target'],
    );
  });
});

describe('suites that cannot run are refused before any request', () => {
  const refuse = (yaml: string, pattern: RegExp) => {
    assert.throws(
      () => parseSuite(yaml, join(dir, 'bad.yaml')),
      (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
    );
  };

  it('unknown assertion types, with the list of known ones', () => {
    refuse(
      'prompts: [p]\ntargets: [m]\ntests: [{assert: [{type: javascript, value: "1"}]}]',
      /unknown assertion type 'javascript'. Known: equals/,
    );
  });

  it('model-graded assertions without a judge, similar without an embedding model', () => {
    refuse('prompts: [p]\ntargets: [m]\ntests: [{assert: [{type: llm-rubric, value: x}]}]', /needs a judge model/);
    refuse('prompts: [p]\ntargets: [m]\ntests: [{assert: [{type: similar, value: x}]}]', /needs an embedding model/);
  });

  it('latency and cost without a threshold', () => {
    refuse('prompts: [p]\ntargets: [m]\ntests: [{assert: [{type: cost}]}]', /'cost' needs a 'threshold'/);
  });

  it('unknown keys, duplicate labels, a reference that is not a target, no targets, no tests', () => {
    refuse('prompts: [p]\ntargets: [m]\ntests: [{}]\nsharing: true', /not a valid eval suite.*sharing|Unrecognized key.*sharing/);
    refuse('prompts: [p]\ntargets: [m, m]\ntests: [{}]', /Two targets are labelled 'm'/);
    refuse('prompts: [p]\ntargets: [m]\nreference: cloud\ntests: [{}]', /reference 'cloud' is not a target label/);
    refuse('prompts: [p]\ntests: [{}]', /names no targets/);
    refuse('prompts: [p]\ntargets: [m]\ntests: []', /no test cases/);
    refuse('prompts: [p]\ntargets: [m]\nproviders: [n]\ntests: [{}]', /either 'providers' or 'targets'/);
    refuse('prompts: [p]\ntargets: [{id: m, config: {apiBaseUrl: "http://x"}}]\ntests: [{}]', /apiBaseUrl/);
  });

  it('a tests file that is missing or malformed', () => {
    refuse('prompts: [p]\ntargets: [m]\ntests: file://missing.csv', /Cannot read tests file 'file:\/\/missing.csv': ENOENT/);
    write('broken.jsonl', '{"vars": {}}\n{oops\n');
    assert.throws(
      () => loadSuite(write('b.yaml', 'prompts: [p]\ntargets: [m]\ntests: file://broken.jsonl')),
      /broken.jsonl:2: not valid JSON/,
    );
  });

  it('a prompt variable no case sets', async () => {
    const suite = parseSuite('prompts: ["Hi {{name}}"]\ntargets: [m]\ntests: [{description: one}]', join(dir, 'v.yaml'));
    await assert.rejects(
      runEval(suite, { baseUrl: 'http://127.0.0.1:9/v1' }),
      (err: unknown) => err instanceof ConfigError && /test 'one': variable 'name' is not set/.test(err.message),
    );
  });
});
