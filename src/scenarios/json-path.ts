/**
 * A small JSON path: `a.b[0].c`, `a["x-y"]`, `a['x']`, `headers.content-type`, an optional
 * leading `$.`, and negative indexes (`chunks[-1]`). Enough to point into responses, not a
 * query language.
 */
export function parsePath(path: string): Array<string | number> {
  const src = path.trim().replace(/^\$\.?/, '');
  const out: Array<string | number> = [];
  let i = 0;
  let name = '';
  const flush = () => {
    if (name) out.push(name);
    name = '';
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '.') {
      flush();
      i++;
    } else if (ch === '[') {
      flush();
      const end = src.indexOf(']', i);
      if (end < 0) throw new Error(`Unclosed '[' in path '${path}'.`);
      const inner = src.slice(i + 1, end).trim();
      const quoted = /^(['"])(.*)\1$/.exec(inner);
      if (quoted) out.push(quoted[2]!);
      else if (/^-?\d+$/.test(inner)) out.push(Number(inner));
      else out.push(inner);
      i = end + 1;
    } else {
      name += ch;
      i++;
    }
  }
  flush();
  return out;
}

export function getPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of parsePath(path)) {
    if (cur == null) return undefined;
    if (typeof key === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[key < 0 ? cur.length + key : key];
    } else if (typeof cur === 'object') {
      cur = (cur as Record<string, unknown>)[key];
    } else if (typeof cur === 'string' && key === 'length') {
      cur = cur.length;
    } else {
      return undefined;
    }
  }
  return cur;
}
