/**
 * Route lookup over the route table: exact `METHOD /path` keys first (one Map lookup, the hot
 * path), then keys with `{name}` segments such as `GET /v1/responses/{id}`. A parameter matches one
 * non-empty path segment, taken as sent (not percent-decoded): handlers validate it.
 */
import type { Route, RouteTable } from './app.js';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface Pattern {
  method: string;
  /** Literal segments, or `{name}` placeholders. */
  segments: string[];
  route: Route;
}

export interface RouteMatcher {
  match(method: string | undefined, path: string): RouteMatch | undefined;
  /** The methods served at `path` (CORS preflights); undefined when none. */
  methods(path: string): string[] | undefined;
}

const isParam = (s: string): boolean => s.startsWith('{') && s.endsWith('}');

export function compileRoutes(routes: RouteTable): RouteMatcher {
  const patterns: Pattern[] = [];
  const exactMethods = new Map<string, string[]>();
  for (const [key, route] of routes) {
    const space = key.indexOf(' ');
    const method = key.slice(0, space);
    const path = key.slice(space + 1);
    if (path.includes('{')) patterns.push({ method, segments: path.split('/'), route });
    else exactMethods.set(path, [...(exactMethods.get(path) ?? []), method]);
  }
  const matchPattern = (p: Pattern, segments: string[]): Record<string, string> | undefined => {
    if (p.segments.length !== segments.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < segments.length; i++) {
      const want = p.segments[i]!;
      const got = segments[i]!;
      if (isParam(want)) {
        if (got === '') return undefined;
        params[want.slice(1, -1)] = got;
      } else if (want !== got) return undefined;
    }
    return params;
  };
  return {
    match(method, path) {
      const exact = routes.get(`${method} ${path}`);
      if (exact) return { route: exact, params: {} };
      if (patterns.length === 0) return undefined;
      const segments = path.split('/');
      for (const p of patterns) {
        if (p.method !== method) continue;
        const params = matchPattern(p, segments);
        if (params) return { route: p.route, params };
      }
      return undefined;
    },
    methods(path) {
      const exact = exactMethods.get(path);
      if (exact) return exact;
      const segments = path.split('/');
      const found = patterns.filter((p) => matchPattern(p, segments)).map((p) => p.method);
      return found.length ? [...new Set(found)] : undefined;
    },
  };
}
