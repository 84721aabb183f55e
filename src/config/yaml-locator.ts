import { type Document, isCollection, isPair, isScalar, type LineCounter, type Node, type Pair } from 'yaml';
import type { ConfigPath } from './config-problem.js';

/** Maps a field path back to the line and column where it stands in the YAML text. */
export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * The position of the value at `path`; for a key that is missing, the position of the
   * nearest parent that exists. `atKey` points at the key itself (for unknown-key errors).
   */
  locate(path: ConfigPath, atKey = false): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let best = this.position(node) ?? { line: 1, column: 1 };
    for (const segment of path) {
      if (!isCollection(node)) break;
      const items = node.items as unknown[];
      const pair = items.find((item): item is Pair => isPair(item) && isScalar(item.key) && item.key.value === segment);
      if (pair) {
        const keyPosition = this.position(pair.key);
        node = pair.value;
        best = (atKey && segment === path[path.length - 1] ? keyPosition : this.position(node) ?? keyPosition) ?? best;
        continue;
      }
      const item = typeof segment === 'number' ? items[segment] : undefined;
      if (item === undefined) break;
      node = item;
      best = this.position(node) ?? best;
    }
    return best;
  }

  private position(node: unknown): { line: number; column: number } | undefined {
    const range = (node as Node | null)?.range;
    if (!range) return undefined;
    const { line, col } = this.lines.linePos(range[0]);
    return { line, column: col };
  }
}
