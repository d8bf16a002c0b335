// Retention of day archives: the zips writeDayArchive leaves in a folder are removed once their day is older
// than the number of days kept. Only files named exactly as an archive is named are candidates, and the day
// is read from the name, not from the file's time (a copy or a restore changes that). Rows and blobs in the
// store are not touched here.
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { syncDir } from '../store/durable-file.ts';
import { ARCHIVE_NAME, parseDay } from './archive.ts';

export interface RetentionDeps {
  log?: Logger;
}

export interface RetentionOptions {
  /** The folder archives are written to. */
  outDir: string;
  /** Archives of the last keepDays days before today (UTC) are kept, and today's; older ones are removed. */
  keepDays: number;
  now: Date;
}

export interface RemovedArchive {
  path: string;
  date: string;
}

export interface RetentionResult {
  /** Archives before this day (YYYY-MM-DD) are removed. */
  keepFrom: string;
  removed: RemovedArchive[];
  kept: number;
}

const DAY_MS = 86_400_000;

export async function applyRetention(
  deps: RetentionDeps,
  options: RetentionOptions,
): Promise<RetentionResult> {
  if (!Number.isSafeInteger(options.keepDays) || options.keepDays < 0) {
    throw new GatewayError(
      'usage',
      `keepDays must be a whole number of days, 0 or more (got ${options.keepDays})`,
      false,
    );
  }
  const today = Math.floor(options.now.getTime() / DAY_MS) * DAY_MS;
  const keepFrom = new Date(today - options.keepDays * DAY_MS).toISOString().slice(0, 10);
  let names: string[];
  try {
    names = readdirSync(options.outDir);
  } catch (e) {
    // No folder: nothing was ever archived there.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { keepFrom, removed: [], kept: 0 };
    throw e;
  }
  const removed: RemovedArchive[] = [];
  let kept = 0;
  for (const name of names.sort()) {
    const date = ARCHIVE_NAME.exec(name)?.[1];
    if (date === undefined || parseDay(date) === undefined) continue;
    const path = join(options.outDir, name);
    // A folder or a link that happens to carry an archive's name is not one of ours.
    if (!lstatSync(path).isFile()) continue;
    // YYYY-MM-DD strings order as their days do.
    if (date >= keepFrom) {
      kept++;
      continue;
    }
    rmSync(path, { force: true });
    removed.push({ path, date });
    deps.log?.info({ path, date }, 'archive removed by retention');
  }
  if (removed.length > 0) await syncDir(options.outDir);
  return { keepFrom, removed, kept };
}
