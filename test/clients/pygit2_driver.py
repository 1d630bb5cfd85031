#!/usr/bin/python3
"""libgit2 through pygit2 (push, clone, fetch) for the client matrix.

Run with Debian's /usr/bin/python3 (python3-pygit2 1.11, libgit2 1.5). One
operation per run, given as JSON in argv[1]; prints JSON on stdout and exits
0 when the operation succeeded, 1 when it raised.

libgit2 has no stdio transport: HTTP and SSH only (its own SSH client,
libssh2, not OpenSSH). It reports each pushed ref through the
push_update_reference callback (message None when the ref was updated) and
relays the remote's side-band messages through sideband_progress.
"""
import json
import sys

import pygit2


class Callbacks(pygit2.RemoteCallbacks):
    def __init__(self, key):
        super().__init__()
        self.key = key
        self.refs = {}
        self.sideband = []

    def credentials(self, url, username_from_url, allowed_types):
        if self.key and allowed_types & pygit2.GIT_CREDENTIAL_SSH_KEY:
            return pygit2.Keypair(username_from_url or 'git', self.key + '.pub', self.key, '')
        raise pygit2.Passthrough

    def certificate_check(self, certificate, valid, host):
        # A loopback test server with a fresh host key: nothing to verify against.
        return True

    def sideband_progress(self, string):
        self.sideband.append(string)

    def push_update_reference(self, refname, message):
        self.refs[refname] = message


def remote_lines(chunks):
    """Side-band text as `remote: ` lines, the way C git shows it (progress meters keep their \\r)."""
    text = ''.join(chunks)
    return ''.join('remote: ' + line + '\n' for line in text.split('\n') if line.strip())


def full_name(src):
    """libgit2 takes no short names on a refspec's source side (`main`): the branch's full name."""
    if not src:
        return ''
    return src if src.startswith('refs/') else 'refs/heads/' + src


def main():
    spec = json.loads(sys.argv[1])
    callbacks = Callbacks(spec.get('sshKey'))
    result = {'ok': True}
    try:
        if spec['op'] == 'push':
            repo = pygit2.Repository(spec['work'])
            # pygit2 1.11 has no anonymous remotes: a named one, made afresh for each run.
            if 'matrix' in repo.remotes.names():
                repo.remotes.delete('matrix')
            remote = repo.remotes.create('matrix', spec['url'])
            refspecs = []
            for ref in spec['refs']:
                refspecs.append(('+' if ref.get('force') else '') + full_name(ref['src']) + ':' + ref['dst'])
            remote.push(refspecs, callbacks=callbacks)
        elif spec['op'] == 'clone':
            pygit2.clone_repository(spec['url'], spec['dest'], bare=True, callbacks=callbacks)
        elif spec['op'] == 'fetch':
            repo = pygit2.Repository(spec['dest'])
            repo.remotes['origin'].fetch(
                ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'],
                callbacks=callbacks,
                prune=pygit2.GIT_FETCH_PRUNE,
            )
        else:
            raise ValueError(spec['op'])
    except BaseException as e:  # noqa: B902 - everything libgit2 raises is the client's answer
        result = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
    result['refs'] = callbacks.refs
    result['messages'] = remote_lines(callbacks.sideband)
    json.dump(result, sys.stdout)
    sys.stdout.flush()
    return 0 if result['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
