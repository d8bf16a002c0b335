// Outbound delivery to a hosted partner: the file is written and fsynced beside outbound/, then renamed into
// it, so a partner listing outbound/ sees either nothing or the whole file.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError, errorMessage } from '../../errors.ts';
import { ensurePartnerDirs, partnerDirs } from './layout.ts';
import { isTemporaryName } from './paths.ts';

/** Errors that stay until someone changes the disk: trying again cannot help. */
const LASTING = new Set([
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EEXIST',
  'EISDIR',
  'EROFS',
  'ENAMETOOLONG',
  'ELOOP',
  'EINVAL',
]);

/** Writes `body` (a string is written as latin1, X12 being a byte format) as `outbound/<name>` of the
 * partner under the hosted root; returns the path written. A file of that name is replaced whole. */
export async function deliverToHosted(
  root: string,
  partnerId: string,
  name: string,
  body: string | Uint8Array,
): Promise<string> {
  // A name is a name, never a path; and a temporary-looking name would be hidden from the partner's listing.
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name) || isTemporaryName(name)) {
    throw new GatewayError(
      'delivery-failed',
      `refusing to deliver to hosted partner ${partnerId} under the name ${JSON.stringify(name)}`,
      false,
    );
  }
  let dirs;
  try {
    dirs = partnerDirs(root, partnerId);
  } catch (e) {
    throw new GatewayError('delivery-failed', `cannot deliver ${name}: ${errorMessage(e)}`, false, {
      cause: e,
    });
  }
  const target = join(dirs.outbound, name);
  const tmp = join(dirs.outgoing, `${randomBytes(8).toString('hex')}.part`);
  let opened = false;
  try {
    await ensurePartnerDirs(dirs);
    const handle = await open(tmp, 'wx', 0o640);
    opened = true;
    try {
      await handle.writeFile(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
    // The rename is durable only once the folder that holds the new name is on disk.
    const dir = await open(dirs.outbound, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return target;
  } catch (e) {
    if (opened) await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    throw new GatewayError(
      'delivery-failed',
      `cannot write ${name} to the outbound folder of hosted partner ${partnerId} (${dirs.outbound}): ${errorMessage(e)}`,
      code === undefined || !LASTING.has(code),
      { cause: e },
    );
  }
}
