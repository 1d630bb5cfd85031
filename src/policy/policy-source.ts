import type { ProtectionRule } from '../protection-rule.js';

/**
 * Where the receive service gets a repository's rules. Small on purpose: the
 * service runs with no database (tests, `pushgate receive-pack`) by getting
 * an in-memory source, and with PostgreSQL through PgPolicySource.
 */
export interface PolicySource {
  /** The repository's rules in order; empty when it has none. `repoName` as the transports give it (`team/app.git`). */
  rulesFor(repoName: string): Promise<ProtectionRule[]>;
}

/** Rules held in memory, keyed by repository name (`app` and `app.git` name the same repository). */
export class InMemoryPolicySource implements PolicySource {
  private readonly rules = new Map<string, ProtectionRule[]>();

  constructor(initial: Record<string, ProtectionRule[]> = {}) {
    for (const [repo, rules] of Object.entries(initial)) this.set(repo, rules);
  }

  set(repoName: string, rules: ProtectionRule[]): void {
    this.rules.set(withoutGitSuffix(repoName), rules);
  }

  async rulesFor(repoName: string): Promise<ProtectionRule[]> {
    return this.rules.get(withoutGitSuffix(repoName)) ?? [];
  }
}

function withoutGitSuffix(name: string): string {
  return name.endsWith('.git') ? name.slice(0, -4) : name;
}
