/**
 * The Prometheus text reader and each engine's mapping to EngineState. Fixtures in
 * test/fixtures/engines/ follow the engines' documented output:
 * - vLLM /metrics: https://docs.vllm.ai/en/stable/usage/metrics/ (V1 names and labels from
 *   vllm/v1/metrics/loggers.py), older names: https://docs.vllm.ai/en/v0.5.0/serving/metrics.html
 * - llama-server /metrics and /slots: https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md
 * - LM Studio: https://lmstudio.ai/docs/developer/rest/list (v1) and the v0 REST API's `state` field.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { maxMetric, parsePrometheusText, sumMetric } from '../../src/providers/shared/prometheus.js';
import {
  engineRoot,
  llamaServerMetricsState,
  llamaServerSlotsState,
  lmStudioLoadedModels,
  vllmEngineState,
} from '../../src/providers/openai-compatible/engine-state.js';
import { readEngine } from '../../src/providers/openai-compatible/settings.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/engines/${name}`, import.meta.url), 'utf8');

describe('Prometheus text parser', () => {
  it('reads names, labels, values; skips comments, blanks and timestamps', () => {
    const samples = parsePrometheusText(
      [
        '# HELP x_total A counter.',
        '# TYPE x_total counter',
        '',
        'x_total 12 1700000000000',
        'up{job="a b",instance="127.0.0.1:8000"} 1',
        '  spaced{a="1"}   2.5e1  ',
      ].join('\n'),
    );
    assert.deepEqual(samples, [
      { name: 'x_total', labels: {}, value: 12 },
      { name: 'up', labels: { job: 'a b', instance: '127.0.0.1:8000' }, value: 1 },
      { name: 'spaced', labels: { a: '1' }, value: 25 },
    ]);
  });

  it('unescapes label values (quote, backslash, newline) and keeps commas and braces inside them', () => {
    const [s] = parsePrometheusText('m{path="C:\\\\x",msg="say \\"hi\\"\\nnow",odd="a,b}c"} 3');
    assert.deepEqual(s, { name: 'm', labels: { path: 'C:\\x', msg: 'say "hi"\nnow', odd: 'a,b}c' }, value: 3 });
  });

  it('reads NaN and ±Inf, tolerates a trailing comma in labels and CRLF line ends', () => {
    const samples = parsePrometheusText('a NaN\r\nb{le="+Inf",} +Inf\r\nc -Inf\r\n');
    assert.equal(samples.length, 3);
    assert.ok(Number.isNaN(samples[0]!.value));
    assert.deepEqual(samples[1], { name: 'b', labels: { le: '+Inf' }, value: Number.POSITIVE_INFINITY });
    assert.equal(samples[2]!.value, Number.NEGATIVE_INFINITY);
  });

  it('skips lines it cannot read instead of failing the scrape', () => {
    const samples = parsePrometheusText(
      ['good 1', '{"quoted.name"} 2', 'broken{a="unterminated 3', 'novalue', 'bad{a=1} 4', 'words here', 'good 5'].join('\n'),
    );
    assert.deepEqual(
      samples.map((s) => [s.name, s.value]),
      [
        ['good', 1],
        ['good', 5],
      ],
    );
  });

  it('sum and max over series, with a label filter; absent metric = undefined; NaN ignored', () => {
    const samples = parsePrometheusText('q{m="a"} 2\nq{m="b"} 5\nq{m="c"} NaN\n');
    assert.equal(sumMetric(samples, 'q'), 7);
    assert.equal(maxMetric(samples, 'q'), 5);
    assert.equal(sumMetric(samples, 'q', { m: 'a' }), 2);
    assert.equal(sumMetric(samples, 'missing'), undefined);
    assert.equal(sumMetric(samples, 'q', { m: 'zzz' }), undefined);
  });
});

describe('engine mappings', () => {
  it('vLLM V1: waiting and running summed over engines, KV-cache use of the fullest engine', () => {
    assert.deepEqual(vllmEngineState(parsePrometheusText(fixture('vllm-metrics.txt'))), { waiting: 5, running: 5, kvCacheUsage: 0.61 });
  });

  it('older vLLM: vllm:gpu_cache_usage_perc stands in for vllm:kv_cache_usage_perc', () => {
    assert.deepEqual(vllmEngineState(parsePrometheusText(fixture('vllm-metrics-v0.txt'))), { waiting: 12, running: 8, kvCacheUsage: 0.97 });
  });

  it('a /metrics page without vLLM series says nothing', () => {
    assert.deepEqual(vllmEngineState(parsePrometheusText('process_cpu_seconds_total 3\n')), {});
  });

  it('llama-server /metrics: deferred = waiting, processing = running', () => {
    assert.deepEqual(llamaServerMetricsState(parsePrometheusText(fixture('llama-server-metrics.txt'))), { waiting: 6, running: 4 });
    assert.deepEqual(llamaServerMetricsState(parsePrometheusText('llamacpp:kv_cache_usage_ratio 0.5\nllamacpp:requests_deferred 0\n')), {
      waiting: 0,
      kvCacheUsage: 0.5,
    });
  });

  it('llama-server /slots: busy slots run; waiting is 0 only while a slot is idle', () => {
    const slots = JSON.parse(fixture('llama-server-slots.json')) as Array<Record<string, unknown>>;
    assert.deepEqual(llamaServerSlotsState(slots), { running: 1, waiting: 0 });
    const allBusy = slots.map((s) => ({ ...s, is_processing: true }));
    assert.deepEqual(llamaServerSlotsState(allBusy), { running: 2 }, 'deferred requests are not in /slots: unknown');
    // Older builds: `state` (0 = idle) instead of `is_processing`.
    assert.deepEqual(
      llamaServerSlotsState([
        { id: 0, state: 1 },
        { id: 1, state: 0 },
      ]),
      { running: 1, waiting: 0 },
    );
    assert.deepEqual(llamaServerSlotsState({ error: 'no slots' }), {});
  });

  it('LM Studio: loaded models from the v1 list (keys and instance ids) or the v0 list (state)', () => {
    assert.deepEqual(lmStudioLoadedModels(JSON.parse(fixture('lmstudio-models-v1.json'))), [
      'qwen/qwen3-4b-2507',
      'qwen/qwen3-4b-2507',
      'text-embedding-nomic-embed-text-v1.5',
      'text-embedding-nomic-embed-text-v1.5:2',
    ]);
    assert.deepEqual(lmStudioLoadedModels(JSON.parse(fixture('lmstudio-models-v0.json'))), ['meta-llama-3.1-8b-instruct']);
    assert.equal(lmStudioLoadedModels({ whatever: true }), undefined);
  });

  it('metrics live at the engine root: baseUrl minus a trailing /v1 (a proxy prefix stays)', () => {
    assert.equal(engineRoot('http://127.0.0.1:8000/v1'), 'http://127.0.0.1:8000');
    assert.equal(engineRoot('http://gpu-box/vllm/v1/'), 'http://gpu-box/vllm');
    assert.equal(engineRoot('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
  });

  it('options.engine: the three engines, absent, or a clear config error', () => {
    assert.equal(readEngine({ engine: 'vllm' }), 'vllm');
    assert.equal(readEngine({ engine: 'llama-server' }), 'llama-server');
    assert.equal(readEngine({}), undefined);
    assert.equal(readEngine(undefined), undefined);
    assert.throws(() => readEngine({ engine: 'tgi' }), /options\.engine 'tgi' is unknown/);
  });
});

describe('provider options are checked at start', () => {
  it('an unknown options.engine fails when the provider is created, naming the provider', async () => {
    const { createProviderHandle } = await import('../../src/providers/registry.js');
    assert.throws(
      () =>
        createProviderHandle({
          id: 'gpu1',
          type: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:1/v1',
          location: 'local',
          options: { engine: 'vllmm' },
        }),
      /providers\[gpu1\]\.options\.engine 'vllmm' is unknown/,
    );
  });
});
