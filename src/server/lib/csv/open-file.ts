import { open, type FileHandle } from 'node:fs/promises';

/** Open a file for reading; errors name the file (no such file, permission denied, not a regular file). */
export async function openFile(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${file}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new Error(`${file}: permission denied`);
    throw new Error(`${file}: cannot open: ${(err as Error).message}`);
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new Error(`${file}: not a regular file`);
  }
  return handle;
}
