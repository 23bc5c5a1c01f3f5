import * as assert from 'node:assert/strict';
import { parseAllDocuments, parseDocument } from 'yaml';
import { editYaml } from '../yaml-edit';

const KUSTOMIZATION = `# staging overlay: keep this comment
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base   # the base
images:
  - name: sample-app        # matches the base Deployment
    newName: acr.azurecr.io/sample-app
    newTag: "1.4.1"
    digest: sha256:${'b'.repeat(64)}
replicas:
  - {name: sample-app, count: 2}
`;

describe('editYaml: only the changed values change', () => {
  it('replaces a scalar in place, keeping its quotes, comments and every other byte', () => {
    const out = editYaml(KUSTOMIZATION, parseDocument(KUSTOMIZATION), [{ path: ['images', 0, 'newTag'], value: '1.4.2' }]);
    assert.equal(out, KUSTOMIZATION.replace('newTag: "1.4.1"', 'newTag: "1.4.2"'));
  });

  it("removes a stale key line and adds a missing one at the mapping's indentation", () => {
    const out = editYaml(KUSTOMIZATION, parseDocument(KUSTOMIZATION), [
      { path: ['images', 0, 'digest'], value: undefined },
      { path: ['images', 0, 'newTag'], value: '1.5.0' },
    ]);
    assert.equal(out, KUSTOMIZATION.replace(/ {4}digest: sha256:b+\n/, '').replace('"1.4.1"', '"1.5.0"'));
    const added = editYaml(out, parseDocument(out), [{ path: ['images', 0, 'digest'], value: `sha256:${'c'.repeat(64)}` }]);
    assert.equal(added, KUSTOMIZATION.replace('b'.repeat(64), 'c'.repeat(64)).replace('"1.4.1"', '"1.5.0"'));
  });

  it('quotes a plain value that YAML would read as a number', () => {
    const text = 'image:\n  repository: acr.azurecr.io/sample-app\n  tag: latest\n';
    assert.equal(
      editYaml(text, parseDocument(text), [{ path: ['image', 'tag'], value: '1.5' }]),
      'image:\n  repository: acr.azurecr.io/sample-app\n  tag: "1.5"\n',
    );
  });

  it('edits one document of a multi-document file without touching the others', () => {
    const text =
      'kind: Service # svc\nmetadata: {name: web}\n---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: acr.azurecr.io/web:1.0.0 # pinned\n';
    const [, deployment] = parseAllDocuments(text);
    const out = editYaml(text, deployment as never, [{ path: ['spec', 'template', 'spec', 'containers', 0, 'image'], value: 'acr.azurecr.io/web:1.1.0' }]);
    assert.equal(out, text.replace('web:1.0.0', 'web:1.1.0'));
  });

  it('changes nothing when the value is already there', () => {
    assert.equal(editYaml(KUSTOMIZATION, parseDocument(KUSTOMIZATION), [{ path: ['images', 0, 'newTag'], value: '1.4.1' }]), KUSTOMIZATION);
  });
});
