/**
 * A fake Presidio Analyzer for the guard's back-end benches: `POST /analyze` answered at once in
 * Presidio's documented shape (a list of `{entity_type, start, end, score, analysis_explanation}`),
 * reporting every occurrence of the given person names. In a child process on 127.0.0.1, so the
 * HTTP and JSON round trip is real; what it finds is whatever it is told.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const SERVER = `
const http = require('node:http');
const persons = JSON.parse(process.argv[1]);
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = JSON.parse(Buffer.concat(chunks).toString('utf8')).text;
    const out = [];
    for (const p of persons)
      for (let i = text.indexOf(p); i >= 0; i = text.indexOf(p, i + 1))
        out.push({ analysis_explanation: null, end: i + p.length, entity_type: 'PERSON', score: 0.85, start: i });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;

/** Starts the fake; `stop` ends its process. */
export async function startFakePresidio(persons: readonly string[]): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER, JSON.stringify(persons)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${line.toString().trim()}`, stop: () => child.kill() };
}
