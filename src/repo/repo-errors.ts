/** Stable codes for a repository on disk that cannot be opened, created or configured. */
export const REPO_ERROR = {
  configRead: 'E_CONFIG_READ',
  configValue: 'E_CONFIG_VALUE',
  badBranchName: 'E_BAD_BRANCH_NAME',
  repositoryExists: 'E_REPOSITORY_EXISTS',
  notARepository: 'E_NOT_A_REPOSITORY',
  repositoryFormat: 'E_REPOSITORY_FORMAT',
} as const;
