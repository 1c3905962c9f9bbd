/**
 * Retrieval scaled out: two `meridian serve` replicas on one PostgreSQL store. Each keeps its own
 * search index in memory; a document written through replica A is found (and a replaced or
 * removed one is no longer found) by a search on replica B that had already built its index, as
 * soon as A's write has answered: the collection's generation, bumped by a trigger, invalidates B.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendJson, startUpstream, type FakeUpstream } from '../helpers/upstream.js';
import { admin, MASTER_KEY, startCluster, type Cluster } from './gateway-harness.js';

interface Hit {
  id: string;
  text: string;
}

describe('rag search across replicas (PostgreSQL)', () => {
  let upstream: FakeUpstream;
  let cluster: Cluster;

  before(async () => {
    upstream = await startUpstream((_req, res) => sendJson(res, 200, { object: 'list', data: [] }));
    cluster = await startCluster(upstream.url, 2, {
      providers: [
        { id: 'fake', type: 'openai-compatible', baseUrl: `${upstream.url}/v1`, location: 'local' },
        { id: 'mock', type: 'mock', location: 'local' },
      ],
      models: { chat: [{ provider: 'fake', model: 'm' }], embed: [{ provider: 'mock', model: 'mock-embed-ngram' }] },
    });
  });
  after(async () => {
    await cluster?.destroy();
    await upstream?.close();
  });

  async function search(url: string, query: string): Promise<Hit[]> {
    const res = await fetch(`${url}/v1/rag/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ collection: 'kb', query, k: 5 }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { data: Hit[] }).data;
  }

  it("B's cached index follows A's writes: added, replaced, removed", { timeout: 60_000 }, async () => {
    const [a, b] = cluster.replicas.map((r) => r.url);
    const ingest = async (id: string, text: string) => {
      const res = await admin(a!, '/v1/rag/collections/kb/documents', { id, text });
      assert.equal(res.status, 200);
    };
    assert.equal((await admin(a!, '/v1/rag/collections', { name: 'kb', embeddingModel: 'embed' })).status, 201);
    await ingest('wifi.md', '# Wifi\n\nThe office wifi password rotates every monday.');
    await ingest('parking.md', '# Parking\n\nVisitors park on level two of the garage.');

    // The first searches on B build B's index.
    assert.equal((await search(b!, 'wifi password'))[0]?.id, 'wifi.md#0');
    assert.equal((await search(b!, 'garage'))[0]?.id, 'parking.md#0');
    assert.ok(!(await search(b!, 'lost badge')).some((h) => h.id.startsWith('badges.md')));

    await ingest('badges.md', '# Badges\n\nA lost badge is replaced at the front desk.');
    assert.equal((await search(b!, 'lost badge front desk'))[0]?.id, 'badges.md#0');

    await ingest('wifi.md', '# Wifi\n\nGuests join the guest network with a voucher.');
    const replaced = await search(b!, 'wifi voucher');
    assert.equal(replaced[0]?.id, 'wifi.md#0');
    assert.match(replaced[0]!.text, /voucher/);
    assert.ok(!(await search(b!, 'password rotates monday')).some((h) => /password/.test(h.text)));

    await ingest('parking.md', '');
    assert.ok(!(await search(b!, 'garage visitors')).some((h) => h.id.startsWith('parking.md')));
    // And the other way round: A sees what B's searches were built from.
    assert.equal((await search(a!, 'lost badge'))[0]?.id, 'badges.md#0');
  });
});
