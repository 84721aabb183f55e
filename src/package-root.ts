import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of ripcord's own package.json, found by walking up from this module: the same answer
 * whether the code runs from src/ (tsx) or from the flat dist/ bundle, whose files sit at another depth
 * (a path relative to `import.meta.url` would point outside the package there).
 */
export const PACKAGE_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ripcord') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ripcord's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
})();
