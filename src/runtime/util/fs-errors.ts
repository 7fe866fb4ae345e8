/**
 * Why the file system refused a write, in words, for the one-sentence errors of the cache and of
 * written outputs (the callers phrase ENOENT and ENOTDIR themselves: what is missing depends on them).
 *
 * May import: nothing.
 */

/** The reason for `e` (a Node system error) that does not depend on the path, or undefined. */
export function writeRefusal(e: unknown): string | undefined {
  switch ((e as NodeJS.ErrnoException | undefined)?.code) {
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'the file system is read-only';
    case 'ENOSPC': return 'the disk is full';
    case 'EDQUOT': return 'the disk quota is exceeded';
    default: return undefined;
  }
}
