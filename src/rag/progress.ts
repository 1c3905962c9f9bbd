/**
 * A one-line progress bar for a terminal: redrawn in place (`\r` + erase line), with other lines
 * printed above it. Only for a TTY; piped output gets plain lines instead (src/rag/cli.ts).
 */
export interface ProgressBar {
  update(done: number, total: number, label: string): void;
  /** Prints a line above the bar. */
  line(text: string): void;
  /** Erases the bar (at the end). */
  clear(): void;
}

const WIDTH = 24;

export function progressBar(stream: { write(s: string): unknown; columns?: number }): ProgressBar {
  let bar = '';
  const draw = (): void => void stream.write(`\r\x1b[2K${bar}`);
  return {
    update(done, total, label) {
      const filled = total ? Math.round((done / total) * WIDTH) : WIDTH;
      const head = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total} `;
      // Never wider than the terminal: a wrapped bar cannot be redrawn in place.
      const room = Math.max(0, (stream.columns ?? 80) - head.length - 1);
      bar = head + (label.length > room ? `…${label.slice(label.length - room + 1)}` : label);
      draw();
    },
    line(text) {
      stream.write(`\r\x1b[2K${text}\n`);
      draw();
    },
    clear() {
      bar = '';
      stream.write('\r\x1b[2K');
    },
  };
}
