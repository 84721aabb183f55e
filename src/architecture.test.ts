import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every relative import of every source file under src/ (tests aside), as [from, to] paths from src/. */
function imports(): [string, string][] {
  const edges: [string, string][] = [];
  for (const file of readdirSync('src', { recursive: true }) as string[]) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const text = readFileSync(join('src', file), 'utf8');
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)) {
      const target = match[1] ?? match[2];
      if (target) edges.push([file, relative('.', normalize(join(dirname(file), target)))]);
    }
  }
  return edges;
}

const folder = (path: string): string => (path.includes('/') ? (path.split('/')[0] ?? '') : '(root)');

/** The dependency rules of docs/architecture.md that a file move can break without any test noticing. */
describe('architecture', () => {
  const edges = imports();

  it('reads the imports (the rules below are not vacuous)', () => {
    expect(edges.some(([from, to]) => from === 'app.ts' && to === 'channel-setup.js')).toBe(true);
  });

  it('core/ imports nothing from other folders', () => {
    expect(edges.filter(([from, to]) => folder(from) === 'core' && folder(to) !== 'core')).toEqual([]);
  });

  it('incidents/ does not import notify/ (notifiers are wired in the composition root)', () => {
    expect(edges.filter(([from, to]) => folder(from) === 'incidents' && folder(to) === 'notify')).toEqual([]);
  });

  it('the CLI loads the store, the server and the providers only through the composition roots, lazily', () => {
    const eager = edges.filter(([from, to]) => {
      if (folder(from) !== 'cli') return false;
      const text = readFileSync(join('src', from), 'utf8');
      const heavy = ['store', 'http', 'providers'].includes(folder(to)) || ['app.js', 'local-composition-root.js'].includes(to);
      // A static import of such a module; `import type` and `await import(...)` are fine.
      const name = (to.split('/').pop() ?? '').replace('.', '\\.');
      return heavy && new RegExp(`^import (?!type )[^;]*'[^']*${name}'`, 'm').test(text);
    });
    expect(eager).toEqual([]);
  });
});
