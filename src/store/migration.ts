/**
 * A numbered schema migration. Each backend keeps its own ordered list (SQL dialects differ);
 * features that need tables (prompts, scenario runs…) append the next number to both lists.
 * Never edit a migration that has shipped: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  /** One or more statements, run in one transaction. */
  sql: string;
}

/** Throws if versions are not strictly increasing (a merge mistake caught at start, not in prod data). */
export function checkMigrations(list: readonly Migration[]): void {
  let last = 0;
  for (const m of list) {
    if (!Number.isInteger(m.version) || m.version <= last) {
      throw new Error(`store migrations out of order at version ${m.version} (${m.name}); versions must increase`);
    }
    last = m.version;
  }
}
