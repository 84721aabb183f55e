import { existsSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { starterConfig } from '../../config/starter-config.js';
import { RipcordError } from '../../core/errors.js';
import { print } from '../output.js';

export function registerInit(program: Command): void {
  program
    .command('init [file]')
    .description('write a commented starter ripcord.yaml (the seeds\' rollback plan)')
    .option('--service <name>', 'service name (default: this folder\'s name)')
    .option('--force', 'overwrite an existing file')
    .option('--platform <kind>', 'start from a plan for this platform: vercel, netlify or render')
    .addHelpText('after', '\nExamples:\n  ripcord init --service pulse-messages\n  ripcord init --platform vercel')
    .action(async (file: string | undefined, options: { service?: string; force?: boolean; platform?: string }) => {
      const path = file ?? 'ripcord.yaml';
      if (existsSync(path) && !options.force) throw new RipcordError('usage', `${path} exists already; pass --force to overwrite it`);
      const service = (options.service ?? basename(process.cwd())).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'my-service';
      // The providers' definitions load only for --platform (ADR 0003).
      const text = options.platform ? (await import('../../providers/platform-starter.js')).platformStarterConfig(options.platform, service) : starterConfig(service);
      writeFileSync(path, text, { flag: options.force ? 'w' : 'wx' });
      print(`wrote ${path} for service ${service}; next: edit it, then ripcord validate ${path}`);
    });
}
