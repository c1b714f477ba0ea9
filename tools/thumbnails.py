"""Small thumbnails for the Documents tab: pictures with Pillow, a PDF's first page with pdftoppm.

Pure functions, no ORM. Both return PNG bytes no larger than ``THUMBNAIL_SIZE``
on a side, or raise ``ThumbnailFailed``. pdftoppm (Debian's poppler-utils) runs
as a subprocess with a time and memory limit (``prlimit``), like LibreOffice.
"""
import io
import os
import shutil
import signal
import subprocess
import tempfile
import warnings

from PIL import Image, ImageOps

from .office_conversion import resource_limits

# Shown at 36 px in the tab: 96 px stays sharp on a high-density screen, in a few KB.
THUMBNAIL_SIZE = 96
TIME_LIMIT = 30
MEMORY_LIMIT = 1024 * 1024 * 1024
# Pillow's own guard against decompression bombs is 89 million pixels; a photo has 12 to 50.
MAX_IMAGE_PIXELS = 64_000_000


class ThumbnailFailed(Exception):
    """No thumbnail was made; ``args[0]`` says why, fit for a log line."""


def pdftoppm_path():
    """The ``pdftoppm`` program of poppler-utils, or None."""
    return shutil.which('pdftoppm')


def image_thumbnail(data, size=THUMBNAIL_SIZE):
    """A PNG thumbnail of the picture ``data`` (first frame of an animation), turned as its EXIF says."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error', Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ThumbnailFailed(f"the picture has {image.width}x{image.height} pixels, too many")
            # JPEG decodes at a fraction of its size straight away: a 50 MP photo costs little.
            image.draft('RGB', (size * 2, size * 2))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((size, size))
            if image.mode not in ('RGB', 'RGBA', 'L', 'LA'):
                image = image.convert('RGBA')
            output = io.BytesIO()
            image.save(output, 'PNG', optimize=True)
    except ThumbnailFailed:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            MemoryError) as error:
        raise ThumbnailFailed(f"Pillow could not read the picture: {error}") from error
    return output.getvalue()


def pdf_thumbnail(data, size=THUMBNAIL_SIZE, timeout=TIME_LIMIT, max_memory=MEMORY_LIMIT):
    """A PNG thumbnail of the first page of the PDF ``data``, drawn by pdftoppm."""
    pdftoppm = pdftoppm_path()
    if not pdftoppm:
        raise ThumbnailFailed("pdftoppm (poppler-utils) is not installed on this server")
    with tempfile.TemporaryDirectory(prefix='contact_documents_thumbnail_') as workdir:
        source = os.path.join(workdir, 'document.pdf')
        with open(source, 'wb') as file:
            file.write(data)
        target = os.path.join(workdir, 'page')
        command = [pdftoppm, '-f', '1', '-l', '1', '-singlefile', '-png', '-scale-to', str(size), source, target]
        try:
            process = subprocess.Popen(
                [*resource_limits(max_memory, int(timeout) + 5), *command], cwd=workdir,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                env={'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': workdir})
        except OSError as error:
            raise ThumbnailFailed(f"pdftoppm could not start: {error}") from error
        try:
            _output, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ThumbnailFailed(f"pdftoppm took longer than {timeout} seconds: stopped") from None
        png_path = f'{target}.png'
        if process.returncode or not os.path.isfile(png_path):
            tail = errors.decode(errors='replace').strip()[-200:]
            raise ThumbnailFailed(f"pdftoppm could not draw the first page (exit code {process.returncode}): {tail}")
        with open(png_path, 'rb') as png:
            return png.read()

