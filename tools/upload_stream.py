"""Uploaded files written once, straight where they are filed.

Werkzeug parses a multipart body as a stream and writes each file part to
what its ``stream_factory`` returns. A :class:`HashingFile` in the local
filestore's folder takes the bytes as they arrive and hashes them on the way:
once parsed, the file only needs a rename to its checksum's name, instead of
a spooled copy read back, hashed and written a second time.
"""
import contextlib
import hashlib
import os
import tempfile

from werkzeug.exceptions import RequestEntityTooLarge

INCOMING_PREFIX = '.incoming-'
# File parts one request may carry: each is a file open in the filestore's folder until
# the request ends. The route files a few at a time; thousands would exhaust the worker.
MAX_FILE_PARTS = 16


class HashingFile:
    """A named temporary file that computes the SHA-1 of what is written to it.

    It reads, seeks and closes like a file. Closing removes it, unless it
    was moved away first (see ``ir.attachment._create_from_file``). The hash
    is updated as each block is written: no thread, nothing left running
    when the client goes away mid-body.
    """

    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self._file = tempfile.NamedTemporaryFile(dir=directory, prefix=INCOMING_PREFIX, delete=False)  # noqa: SIM115 - see close()
        self.name = self._file.name
        self._sha1 = hashlib.sha1()
        self._written = 0

    def write(self, data):  # pylint: disable=method-required-super
        self._sha1.update(data)
        self._written += len(data)
        return self._file.write(data)

    def read(self, size=-1):  # pylint: disable=method-required-super
        return self._file.read(size)

    def seek(self, offset, whence=os.SEEK_SET):
        return self._file.seek(offset, whence)

    def tell(self):
        return self._file.tell()

    def flush(self):
        self._file.flush()

    def seekable(self):
        return True

    def readable(self):
        return True

    @property
    def closed(self):
        return self._file.closed

    @property
    def checksum(self):
        """The SHA-1 of everything written, as the filestore names files."""
        return self._sha1.hexdigest()

    def movable(self):
        """Whether the file is still at ``name``, complete, to be moved into the filestore as it is."""
        self.flush()
        return not self.closed and os.path.isfile(self.name) and os.path.getsize(self.name) == self._written

    def close(self):
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class HashingStreamFactory:
    """A werkzeug ``stream_factory`` writing each uploaded file to a :class:`HashingFile` in ``directory``.

    It keeps every file it made, so that a body that fails half-way (a client
    gone, too many parts) leaves nothing open or on disk: see :meth:`close_all`.
    """

    def __init__(self, directory, max_parts=MAX_FILE_PARTS):
        self.directory = directory
        self.max_parts = max_parts
        self.files = []

    def __call__(self, total_content_length=None, content_type=None, filename=None, content_length=None):
        if len(self.files) >= self.max_parts:
            raise RequestEntityTooLarge(f"At most {self.max_parts} files per request.")
        file = HashingFile(self.directory)
        self.files.append(file)
        return file

    def close_all(self, keep=()):
        """Close (and so remove) every file made, but those whose ``id()`` is in ``keep``."""
        for file in self.files:
            if id(file) not in keep:
                file.close()
