import type { Identity } from '../identity.js';
import type { Access, AccessControl, AccessVerdict } from './access.js';

/**
 * Access without accounts (no database): anyone may read; pushing over the
 * network needs the operator's explicit --allow-anonymous-push.
 */
export class OpenAccess implements AccessControl {
  readonly acceptsCredentials = false;

  constructor(private readonly allowAnonymousPush: boolean) {}

  async authenticatePassword(): Promise<Identity | null> {
    return null;
  }

  async authenticatePublicKey(): Promise<Identity | null> {
    return null;
  }

  async check(_identity: Identity | undefined, _repo: string, access: Access): Promise<AccessVerdict> {
    if (access === 'read') return 'allow';
    if (access === 'write' && this.allowAnonymousPush) return 'allow';
    return 'deny';
  }

  refusal(_identity: Identity | undefined, repo: string, access: Access): string {
    if (access === 'write') {
      return `Pushing to ${repo} is disabled: this server has no accounts and was not started with --allow-anonymous-push.`;
    }
    return `You may not ${access} ${repo}.`;
  }
}
