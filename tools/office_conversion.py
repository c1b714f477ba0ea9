"""PDF renditions of Office files, made by LibreOffice in headless mode.

Pure functions, no ORM: the caller reads the bytes through ir.attachment's
storage API and stores the PDF it gets back. An Office file comes from
anybody (an email, a chat), so LibreOffice is treated as a parser of hostile
input:

- it runs as a subprocess in a session of its own, killed with all its
  children (SIGKILL to the process group) at the time limit;
- the kernel caps its address space, CPU time and the size of files it writes
  (``prlimit``, from util-linux, sets the limits before it starts LibreOffice:
  a ``preexec_fn`` is unsafe in Odoo's threaded server);
- it gets a fresh user profile in a temporary directory, removed afterwards,
  whose settings disable macros (security level "very high", execution off);
- it runs in an empty network namespace (``unshare --net``) where the system
  allows one: a document cannot fetch a linked image or call home. Where
  unprivileged namespaces are disabled it runs without, and says so once in
  the log.
"""
import functools
import logging
import os
import shutil
import signal
import subprocess
import tempfile

_logger = logging.getLogger(__name__)

# What LibreOffice can turn into a PDF: mimetype -> the extension the input file gets
# (LibreOffice reads the content, the extension only helps it choose a filter).
OFFICE_EXTENSIONS = {
    'application/msword': 'doc',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
    'application/vnd.ms-powerpoint': 'ppt',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
    'application/vnd.ms-excel': 'xls',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
    'application/vnd.oasis.opendocument.text': 'odt',
    'application/vnd.oasis.opendocument.spreadsheet': 'ods',
    'application/vnd.oasis.opendocument.presentation': 'odp',
    'application/rtf': 'rtf',
    'text/rtf': 'rtf',
}

TIME_LIMIT = 90
# LibreOffice maps ~600 MB of address space for a one-page letter: 2 GiB leaves room for
# large presentations with pictures, and stops a document that would take the server's memory.
MEMORY_LIMIT = 2 * 1024 * 1024 * 1024
# No PDF of a document a person wrote comes near this; a runaway export stops here.
MAX_OUTPUT_SIZE = 256 * 1024 * 1024

# The profile's settings: macros never run, whatever the document asks.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" \
oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" \
oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class ConversionFailed(Exception):
    """No PDF was made; ``args[0]`` says why, fit for a log line."""


def libreoffice_path():
    """The ``soffice`` program of the LibreOffice installed on this server, or None."""
    return shutil.which('soffice') or shutil.which('libreoffice')


@functools.cache
def _network_isolation():
    """The command prefix that runs a program without network, or () where the system forbids it."""
    unshare = shutil.which('unshare')
    if unshare:
        command = [unshare, '--map-root-user', '--net']
        try:
            if subprocess.run([*command, 'true'], capture_output=True, timeout=10, check=False).returncode == 0:
                return tuple(command)
        except (OSError, subprocess.SubprocessError) as error:
            _logger.debug("unshare --net is not usable here: %s", error)
    _logger.warning(
        "LibreOffice runs with network access: this system does not allow an unprivileged network namespace "
        "(unshare --map-root-user --net). Office previews still work; allow user namespaces to isolate them.")
    return ()


def resource_limits(max_memory, cpu_seconds, max_output=None):
    """The command prefix that starts a program under these kernel limits (``prlimit``).

    :raise FileNotFoundError: util-linux's prlimit is missing: nothing runs unbounded
    """
    prlimit = shutil.which('prlimit')
    if not prlimit:
        raise FileNotFoundError("prlimit (util-linux) is needed to bound the converters")
    limits = [f'--as={max_memory}', f'--cpu={cpu_seconds}', '--core=0']
    if max_output:
        limits.append(f'--fsize={max_output}')
    return [prlimit, *limits, '--']


def _kill_group(process):
    """Stop the process and everything it started: they share its session's process group."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        _logger.debug("LibreOffice process group %s was already gone", process.pid)


def convert_to_pdf(data, extension, timeout=TIME_LIMIT, max_memory=MEMORY_LIMIT, max_output=MAX_OUTPUT_SIZE):
    """The PDF rendition of the Office file ``data``, made by LibreOffice within the limits.

    :param data: the file's bytes
    :param extension: what the file is (``docx``, ``ppt``...; see OFFICE_EXTENSIONS)
    :return: the PDF's bytes
    :raise ConversionFailed: LibreOffice is missing, could not read the file,
        or was stopped at a limit
    """
    soffice = libreoffice_path()
    if not soffice:
        raise ConversionFailed("LibreOffice is not installed on this server")
    with tempfile.TemporaryDirectory(prefix='contact_documents_preview_') as workdir:
        profile = os.path.join(workdir, 'profile')
        os.makedirs(os.path.join(profile, 'user'))
        with open(os.path.join(profile, 'user', 'registrymodifications.xcu'), 'w', encoding='utf-8') as settings:
            settings.write(_PROFILE_SETTINGS)
        source = os.path.join(workdir, f'document.{extension}')
        with open(source, 'wb') as file:
            file.write(data)
        outdir = os.path.join(workdir, 'out')
        os.mkdir(outdir)
        command = [
            *_network_isolation(), soffice, f'-env:UserInstallation=file://{profile}',
            '--headless', '--invisible', '--norestore', '--nolockcheck', '--nodefault', '--nologo',
            '--convert-to', 'pdf', '--outdir', outdir, source,
        ]
        # Only what LibreOffice needs: no proxy settings, no display, the temporary directory as home.
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': workdir, 'TMPDIR': workdir,
               'LANG': 'C.UTF-8', 'SAL_USE_VCLPLUGIN': 'svp'}
        _run(command, env, workdir, timeout, max_memory, max_output)
        pdf_path = os.path.join(outdir, 'document.pdf')
        if not os.path.isfile(pdf_path) or not os.path.getsize(pdf_path):
            raise ConversionFailed("LibreOffice could not read the file")
        with open(pdf_path, 'rb') as pdf:
            return pdf.read()


def _run(command, env, workdir, timeout, max_memory, max_output):
    try:
        limits = resource_limits(max_memory, int(timeout) + 5, max_output)
        process = subprocess.Popen(
            [*limits, *command], cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as error:
        raise ConversionFailed(f"LibreOffice could not start: {error}") from error
    try:
        output, _errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise ConversionFailed(f"LibreOffice took longer than {timeout} seconds: stopped") from None
    finally:
        # LibreOffice may leave helpers behind (oosplash's child): they go with the group.
        _kill_group(process)
    if process.returncode < 0:
        raise ConversionFailed(f"LibreOffice was stopped by signal {-process.returncode} (a limit was reached)")
    if process.returncode:
        tail = output.decode(errors='replace').strip()[-200:]
        raise ConversionFailed(f"LibreOffice failed with exit code {process.returncode}: {tail}")
