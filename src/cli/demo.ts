/**
 * `meridian serve --demo`: a gateway that answers with no engine and no key. The built-in mock
 * provider plays both a "local" engine and a "cloud" API, with a starter policy, so the first chat
 * request answers, the dashboard shows local and cloud traffic with cost, and the privacy guard can
 * be seen working (personal data is pseudonymized before the "cloud" sees it; secrets are blocked).
 */

/** The demo's config, before validation (the same shape as meridian.yaml). */
export function demoConfig(): Record<string, unknown> {
  return {
    providers: [
      { id: 'demo-local', type: 'mock', location: 'local' },
      { id: 'demo-cloud', type: 'mock', location: 'cloud' },
    ],
    models: {
      // Local first; cloud takes over when the local engine is busy or failing.
      'chat-default': [
        { provider: 'demo-local', model: 'llama-demo', capabilities: { tools: true, jsonSchema: true, contextWindow: 8192 } },
        {
          provider: 'demo-cloud',
          model: 'gpt-demo',
          price: { input: 2.5, output: 10 },
          capabilities: { tools: true, vision: true, jsonSchema: true, contextWindow: 128000 },
        },
      ],
      // The capable model lives in the cloud; personal data is pseudonymized on the way.
      smart: [
        {
          provider: 'demo-cloud',
          model: 'gpt-demo',
          price: { input: 2.5, output: 10 },
          capabilities: { tools: true, vision: true, jsonSchema: true, contextWindow: 128000 },
        },
        { provider: 'demo-local', model: 'llama-demo', capabilities: { tools: true, jsonSchema: true, contextWindow: 8192 } },
      ],
      'embed-default': [{ provider: 'demo-local', model: 'embed-demo', capabilities: { embeddings: true } }],
    },
    policies: [
      { name: 'confidential-stays-local', when: { tags: ['confidential'] }, require: { location: ['local'] } },
      { name: 'long-prompts-fit', when: { estimatedPromptTokens: { gt: 6000 } }, require: { capability: ['contextWindow'] } },
    ],
    guard: { defaultAction: 'pseudonymize', actions: { secret: 'block' } },
    // Its own file: demo traffic never mixes with a real gateway's log and budgets.
    store: { sqlite: '.meridian/demo.db' },
  };
}

/** What the demo prints once it listens: where to look and what to try. */
export function demoHints(url: string): string {
  return [
    `Meridian demo on ${url} (mock "local" and "cloud" deployments: no engine or key needed)`,
    `  dashboard:  ${url}/ui`,
    `  local:      curl ${url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"chat-default","messages":[{"role":"user","content":"Hello"}]}' -i`,
    `  cloud+PII:  curl ${url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"smart","messages":[{"role":"user","content":"Email jane.doe@example.com about Friday"}]}' -i`,
    `  explain:    curl ${url}/v1/route/explain -H 'content-type: application/json' -d '{"model":"smart","messages":[{"role":"user","content":"hi"}]}'`,
    'Look at the x-meridian-route, x-meridian-pii and x-meridian-cost headers.',
  ].join('\n');
}
