/** The route table's `{name}` segments (src/server/route-match.ts): exact keys first, one segment per parameter. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Route, RouteTable } from '../../src/server/app.js';
import { compileRoutes } from '../../src/server/route-match.js';

const route = (name: string): Route => ({ handler: () => undefined, access: name === 'public' ? 'public' : 'key' });
const get = route('get');
const del = route('delete');
const items = route('items');
const post = route('post');
const literal = route('literal');
const table: RouteTable = new Map([
  ['POST /v1/responses', post],
  ['GET /v1/responses/{id}', get],
  ['DELETE /v1/responses/{id}', del],
  ['GET /v1/responses/{id}/input_items', items],
  ['GET /v1/responses/latest', literal],
]);
const m = compileRoutes(table);

test('exact paths win, then one parameter matches one non-empty segment as sent', () => {
  assert.deepEqual(m.match('POST', '/v1/responses'), { route: post, params: {} });
  assert.deepEqual(m.match('GET', '/v1/responses/latest'), { route: literal, params: {} });
  assert.deepEqual(m.match('GET', '/v1/responses/resp_1'), { route: get, params: { id: 'resp_1' } });
  assert.deepEqual(m.match('DELETE', '/v1/responses/a%2Fb'), { route: del, params: { id: 'a%2Fb' } });
  assert.deepEqual(m.match('GET', '/v1/responses/resp_1/input_items'), { route: items, params: { id: 'resp_1' } });
});

test('no match: wrong method, empty or extra segments, a prefix of the pattern', () => {
  for (const [method, path] of [
    ['POST', '/v1/responses/resp_1'],
    ['GET', '/v1/responses/'],
    ['GET', '/v1/responses//input_items'],
    ['GET', '/v1/responses/a/b'],
    ['GET', '/v1/responses/a/input_items/x'],
    ['GET', '/v1/response/a'],
    [undefined, '/v1/responses/a'],
  ] as const)
    assert.equal(m.match(method, path), undefined, `${method} ${path}`);
});

test('methods(path) lists what a CORS preflight may allow, for exact and parameter paths', () => {
  assert.deepEqual(m.methods('/v1/responses'), ['POST']);
  assert.deepEqual(m.methods('/v1/responses/resp_1'), ['GET', 'DELETE']);
  assert.deepEqual(m.methods('/v1/responses/resp_1/input_items'), ['GET']);
  assert.equal(m.methods('/v1/nothing'), undefined);
});
