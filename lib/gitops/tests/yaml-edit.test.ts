import * as assert from 'node:assert/strict';
import { parseAllDocuments, parseDocument } from 'yaml';
import { UserError } from '../../user-error';
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
  it('ends an added line as the file ends its lines (CRLF stays CRLF)', () => {
    const crlf = KUSTOMIZATION.replace(/ {4}digest: sha256:b+\n/, '').replace(/\n/g, '\r\n');
    const out = editYaml(crlf, parseDocument(crlf), [{ path: ['images', 0, 'digest'], value: `sha256:${'c'.repeat(64)}` }]);
    assert.ok(out.includes(`    newTag: "1.4.1"\r\n    digest: sha256:${'c'.repeat(64)}\r\n`), JSON.stringify(out));
    assert.equal(out.replace(/\r\n/g, '').includes('\n'), false, 'no bare LF');
  });

  it('says which key and line it cannot edit, and why: a flow mapping that needs a new key, an alias', () => {
    const flow = 'images:\n  - {name: web, newTag: "1.0"}\n';
    assert.throws(
      () => editYaml(flow, parseDocument(flow), [{ path: ['images', 0, 'digest'], value: `sha256:${'d'.repeat(64)}` }]),
      (e: Error) => e instanceof UserError && /^'images\.0\.digest' must be added to the mapping at line 2, which is written in flow style/.test(e.message),
    );
    assert.equal(
      editYaml(flow, parseDocument(flow), [{ path: ['images', 0, 'newTag'], value: '1.1' }]),
      flow.replace('"1.0"', '"1.1"'),
      'a value in it is still replaced',
    );
    const alias = 'release: &release "1.0"\nimages:\n  - name: web\n    newTag: *release\n';
    assert.throws(
      () => editYaml(alias, parseDocument(alias), [{ path: ['images', 0, 'newTag'], value: '1.1' }]),
      (e: Error) =>
        e instanceof UserError &&
        /^'images\.0\.newTag' \(line 4\) is the alias \*release: changing it here would change every value the anchor names/.test(e.message),
    );
  });

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
