import * as assert from 'node:assert/strict';
import { parseAzureReposUrl } from '../azure-repos-url';

describe('Azure Repos URLs', () => {
  it('finds collection, project and repository in every Azure Repos URL form', () => {
    assert.deepEqual(parseAzureReposUrl('https://dev.azure.com/contoso/Git%20Ops/_git/config-repo'), {
      collectionUrl: 'https://dev.azure.com/contoso',
      project: 'Git Ops',
      repository: 'config-repo',
    });
    assert.deepEqual(parseAzureReposUrl('https://contoso@dev.azure.com/contoso/gitops/_git/config-repo'), {
      collectionUrl: 'https://dev.azure.com/contoso',
      project: 'gitops',
      repository: 'config-repo',
    });
    assert.deepEqual(parseAzureReposUrl('https://contoso.visualstudio.com/DefaultCollection/gitops/_git/config-repo'), {
      collectionUrl: 'https://contoso.visualstudio.com/DefaultCollection',
      project: 'gitops',
      repository: 'config-repo',
    });
    assert.deepEqual(parseAzureReposUrl('https://contoso.visualstudio.com/gitops/_git/config-repo'), {
      collectionUrl: 'https://contoso.visualstudio.com',
      project: 'gitops',
      repository: 'config-repo',
    });
    assert.deepEqual(parseAzureReposUrl('https://tfs.contoso.local/tfs/Main/gitops/_git/config-repo'), {
      collectionUrl: 'https://tfs.contoso.local/tfs/Main',
      project: 'gitops',
      repository: 'config-repo',
    });
    assert.deepEqual(parseAzureReposUrl('https://dev.azure.com/contoso/_git/gitops'), {
      collectionUrl: 'https://dev.azure.com/contoso',
      project: 'gitops',
      repository: 'gitops',
    });
    assert.throws(() => parseAzureReposUrl('https://github.com/contoso/config-repo.git'), /is not an Azure Repos URL/);
  });
});
