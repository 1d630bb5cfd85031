/**
 * strerror-like text for a failed system call, as git prints it (e.g. after
 * "Unable to create '…': "). Never the error's own message: Node puts the
 * server's paths there, and this text may reach a client.
 */
export function describeErrno(error: unknown): string {
  switch ((error as NodeJS.ErrnoException)?.code) {
    case 'EEXIST':
      return 'File exists';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENAMETOOLONG':
      return 'File name too long';
    case 'EACCES':
      return 'Permission denied';
    case 'ENOSPC':
      return 'No space left on device';
    case 'ENOENT':
      return 'No such file or directory';
    default: {
      const code = (error as NodeJS.ErrnoException)?.code;
      return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'unexpected error';
    }
  }
}
