#!/usr/bin/python3
"""dulwich's porcelain (push, clone, fetch) for the client matrix.

Run with Debian's /usr/bin/python3 (python3-dulwich). One operation per run,
given as JSON in argv[1]; prints JSON on stdout and exits 0 when the
operation succeeded, 1 when it raised.

Over HTTP and SSH the porcelain picks its client from the URL as usual (SSH:
SubprocessSSHVendor with GIT_SSH_COMMAND). dulwich has no option to name the
remote's receive-pack/upload-pack for a local path, so for stdio its
SubprocessGitClient is given the command to run, the way `git push
--receive-pack` does it (through the shell, the path appended).
"""
import io
import json
import subprocess
import sys

from dulwich import porcelain
from dulwich.client import SubprocessGitClient, SubprocessWrapper
from dulwich.protocol import Protocol


class CommandGitClient(SubprocessGitClient):
    """SubprocessGitClient that runs the given commands instead of `git <service>`."""

    def __init__(self, commands, **kwargs):
        super().__init__(**kwargs)
        self.commands = commands

    def get_url(self, path):
        return path

    def _connect(self, service, path):
        if isinstance(path, bytes):
            path = path.decode(self._remote_path_encoding)
        command = self.commands[service.decode('ascii')]
        p = subprocess.Popen(
            ['sh', '-c', command + ' "$1"', command, path],
            bufsize=0,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        pw = SubprocessWrapper(p)
        return (
            Protocol(pw.read, pw.write, pw.close, report_activity=self._report_activity),
            pw.can_read,
            p.stderr,
        )


def main():
    spec = json.loads(sys.argv[1])
    original = porcelain.get_transport_and_path

    def transport_and_path(location, **kwargs):
        if spec['transport'] == 'stdio':
            commands = {'receive-pack': spec['receivePack'], 'upload-pack': spec['uploadPack']}
            return CommandGitClient(commands), spec['url']
        return original(spec['url'], **kwargs)

    porcelain.get_transport_and_path = transport_and_path
    err = io.BytesIO()
    result = {'ok': True}
    try:
        if spec['op'] == 'push':
            refspecs = []
            for ref in spec['refs']:
                src = ref['src'] or ''
                refspecs.append(('+' if ref.get('force') else '') + src + ':' + ref['dst'])
            porcelain.push(spec['work'], spec['url'], [r.encode() for r in refspecs], errstream=err)
        elif spec['op'] == 'clone':
            porcelain.clone(spec['url'], spec['dest'], bare=True, errstream=err).close()
        elif spec['op'] == 'fetch':
            porcelain.fetch(spec['dest'], 'origin', errstream=err)
        else:
            raise ValueError(spec['op'])
    except BaseException as e:  # noqa: B902 - everything dulwich raises is the client's answer
        result = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
    result['messages'] = err.getvalue().decode('utf-8', 'replace')
    json.dump(result, sys.stdout)
    sys.stdout.flush()
    return 0 if result['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())
