/** `meridian rag ingest` output: a progress bar redrawn in place on a terminal, plain lines otherwise. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestOutput } from '../../src/rag/cli.js';
import { progressBar } from '../../src/rag/progress.js';

function fakeStream(isTTY: boolean, columns = 60) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream };
}

describe('rag ingest output', () => {
  it('the bar fills with progress, fits the terminal and is redrawn under printed lines', () => {
    const { writes, stream } = fakeStream(true, 50);
    const bar = progressBar(stream);
    bar.update(1, 4, 'a/very/long/path/to/some/document/that/does/not/fit.md');
    assert.equal(writes.at(-1), '\r\x1b[2K[######------------------] 1/4 …t/does/not/fit.md');
    assert.ok(writes.at(-1)!.length - '\r\x1b[2K'.length < 50);
    bar.line('failed    x.pdf: 400 damaged');
    assert.deepEqual(writes.slice(-2), ['\r\x1b[2Kfailed    x.pdf: 400 damaged\n', writes.at(-3)]);
    bar.update(4, 4, '');
    assert.equal(writes.at(-1), `\r\x1b[2K[${'#'.repeat(24)}] 4/4 `);
  });

  it('on a terminal only failures, removals and the summary are printed; piped, every line', () => {
    const tty = fakeStream(true);
    const out = ingestOutput(tty.stream);
    out.progress!(0, 2, 'a.md');
    out.out('ingested  a.md (1 chunks)', 'ingested');
    out.out('unchanged b.md', 'unchanged');
    out.out('failed    c.pdf: 400 damaged', 'failed');
    out.out('removed   d.md', 'removed');
    out.out('1 ingested, 1 unchanged, 1 removed, 1 failed', 'summary');
    const printed = tty.writes.filter((w) => w.endsWith('\n')).map((w) => w.replace('\r\x1b[2K', '').trim());
    assert.deepEqual(printed, ['failed    c.pdf: 400 damaged', 'removed   d.md', '1 ingested, 1 unchanged, 1 removed, 1 failed']);
    assert.equal(tty.writes.at(-1), '\r\x1b[2K', 'the bar is gone after the summary');

    const piped = fakeStream(false);
    const plain = ingestOutput(piped.stream);
    assert.equal(plain.progress, undefined);
    plain.out('unchanged b.md', 'unchanged');
    plain.out('0 ingested, 1 unchanged, 0 removed, 0 failed', 'summary');
    assert.deepEqual(piped.writes, ['unchanged b.md\n', '0 ingested, 1 unchanged, 0 removed, 0 failed\n']);
  });
});
