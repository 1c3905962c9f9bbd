/**
 * JSON Schema (what OpenAI clients send for tool parameters) → the OpenAPI 3.0 subset Gemini
 * accepts in `FunctionDeclaration.parameters` and `GenerationConfig.responseSchema`.
 *
 * Gemini answers 400 INVALID_ARGUMENT ("Unknown name \"additionalProperties\"…") for JSON Schema
 * keys outside that subset. We drop those keys instead of failing the request, and rewrite the
 * two JSON Schema idioms that have an OpenAPI equivalent:
 *   - `type: ["string", "null"]` → `type: "string", nullable: true`
 *   - `const: x`                 → `enum: [x]`
 * Keys dropped (documented subset: https://ai.google.dev/api/caching#Schema ): `$schema`, `$id`,
 * `$comment`, `additionalProperties`, `unevaluatedProperties`, `patternProperties`, `strict`,
 * `examples`, `$defs`, `definitions`, `$ref` (references are not resolved; a `$ref` subtree is
 * left as an empty schema, which Gemini reads as "any").
 *
 * Property *names* inside `properties` are never touched, only schema keywords.
 */

const UNSUPPORTED_KEYS = new Set([
  '$schema',
  '$id',
  '$comment',
  'additionalProperties',
  'unevaluatedProperties',
  'patternProperties',
  'strict',
  'examples',
  '$defs',
  'definitions',
  '$ref',
]);

/** Keywords whose value is a single sub-schema. */
const SCHEMA_VALUED = new Set(['items', 'not']);
/** Keywords whose value is an array of sub-schemas. */
const SCHEMA_ARRAY_VALUED = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);

export function toGeminiSchema(schema: unknown): Record<string, unknown> {
  if (!isObject(schema)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (UNSUPPORTED_KEYS.has(key)) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toGeminiSchema(sub)]));
    } else if (SCHEMA_VALUED.has(key)) {
      out[key] = toGeminiSchema(value);
    } else if (SCHEMA_ARRAY_VALUED.has(key) && Array.isArray(value)) {
      // Gemini knows `anyOf` only; `oneOf` reads the same for generation purposes.
      const target = key === 'oneOf' ? 'anyOf' : key;
      out[target] = value.map(toGeminiSchema);
    } else if (key === 'type' && Array.isArray(value)) {
      const types = value.filter((t) => t !== 'null');
      if (types.length !== value.length) out.nullable = true;
      if (types.length === 1) out.type = types[0];
      else if (types.length > 1) out.anyOf = types.map((t) => ({ type: t }));
    } else if (key === 'const') {
      out.enum = [value];
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** JSON Schema for `responseJsonSchema`: full JSON Schema is accepted, only `$schema`/`strict` dropped. */
export function toGeminiJsonSchema(schema: unknown): Record<string, unknown> {
  if (!isObject(schema)) return {};
  const { $schema: _s, strict: _t, ...rest } = schema;
  return rest;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
