export type ConfigPath = (string | number)[];

/** One thing wrong with a config file, located as precisely as the file allows. */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted field path, `environments.production.triggers[0].for`; empty for the whole file. */
  path: string;
  message: string;
}

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

/** `ripcord.yaml:12:7 environments.production.triggers[0].for: expected a duration like 30s, 5m or 1h` */
export function formatProblem(problem: ConfigProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where} ${problem.message}`;
}
