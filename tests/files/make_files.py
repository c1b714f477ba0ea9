#!/usr/bin/env python3
"""Make the sample files of tests/files with the tools that make such files for real.

Not run by the tests: the files are committed. Run it again (from anywhere) to
remake them; each file is a few KB. It needs Debian's LibreOffice, msitools and
libgsf-bin, and Pillow:

    apt-get install -y libreoffice-writer-nogui libreoffice-impress-nogui \\
        libreoffice-calc-nogui msitools libgsf-bin
    python3 tests/files/make_files.py

What each file is and how it is made:

- letter.doc, letter.docx, letter.pdf: a short letter (plain text) converted by
  LibreOffice Writer (filters "MS Word 97", "MS Word 2007 XML", "writer_pdf_Export").
- slides.ppt, slides.pptx: a one-slide presentation (flat ODF) converted by
  LibreOffice Impress ("MS PowerPoint 97", "Impress MS PowerPoint 2007 XML").
  Impress adds a 440 KB uncompressed preview bitmap to a .ppt unless its
  EnablePowerPointPreview option is off, as it is in the profile used here.
- budget.xls: a small budget (CSV) converted by LibreOffice Calc ("MS Excel 97"):
  an OLE2 compound file with a "Workbook" stream, neither Word nor PowerPoint.
- setup.msi: a Windows Installer database built by msitools' msibuild (summary
  information and a Property table): an OLE2 file standing for any installer.
- macro.docm: a macro-enabled Word document. LibreOffice Writer writes the
  package with its filter "MS Word 2007 XML VBA" (main part declared
  "application/vnd.ms-word.document.macroEnabled.main+xml") but cannot write a
  VBA project from Basic: its export only keeps one read from a Word file. So
  the VBA project is added as Word lays it out: word/vbaProject.bin (an OLE2
  file made by libgsf's "gsf createole" with the streams of a VBA project:
  PROJECT, VBA/_VBA_PROJECT, VBA/ThisDocument; the module is stored as plain
  text, where Word would compress it), its relationship from word/document.xml
  and the content type "application/vnd.ms-office.vbaProject" for .bin parts.
- photo.png, photo.jpg, anim.gif (two frames): drawn with Pillow.
- clip.webm (VP8), clip.mp4 (H.264, baseline profile), voice.ogg (Opus): one
  second of ffmpeg's test pattern and a 440 Hz tone, a few KB each (needs
  Debian's ffmpeg).
"""
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw

FILES_DIR = Path(__file__).resolve().parent

LETTER = """Dear Jane,

Please find attached the signed contract and the slides of our quarterly review.

Best regards,
The Contact Documents team
"""

BUDGET = """Item,Amount
Rent,1200
Travel,300
Total,=SUM(B2:B3)
"""

SLIDES = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
    xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
    office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
    <office:master-styles>
        <style:master-page style:name="Default"/>
    </office:master-styles>
    <office:body>
        <office:presentation>
            <draw:page draw:name="Quarterly review" draw:master-page-name="Default">
                <draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="3cm">
                    <draw:text-box><text:p>Quarterly review</text:p></draw:text-box>
                </draw:frame>
            </draw:page>
        </office:presentation>
    </office:body>
</office:document>
"""

# No preview bitmap in .ppt files (see above); a profile of its own also keeps
# the user's LibreOffice settings out of the files.
LIBREOFFICE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
    <item oor:path="/org.openoffice.Office.Common/Filter/Microsoft/Export">
        <prop oor:name="EnablePowerPointPreview" oor:op="fuse"><value>false</value></prop>
    </item>
</oor:items>
"""

# The streams of a VBA project (MS-OVBA 2.2): PROJECT names its modules, _VBA_PROJECT
# starts with its version header, one stream per module.
VBA_PROJECT_STREAMS = {
    'PROJECT': (
        b'ID="{5B3F6B0C-1D2E-4F60-8A9B-0C1D2E3F4A5B}"\r\nDocument=ThisDocument/&H00000000\r\n'
        b'Name="Project"\r\nHelpContextID="0"\r\nVersionCompatible32="393222000"\r\n\r\n'
        b'[Host Extender Info]\r\n&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n'
    ),
    'VBA/_VBA_PROJECT': b'\xCC\x61\xFF\xFF\x00\x00\x00',
    'VBA/ThisDocument': (
        b'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\n'
        b'    MsgBox "This document runs a macro when it opens."\r\nEnd Sub\r\n'
    ),
}
VBA_RELATIONSHIP = (
    '<Relationship Id="rIdVbaProject" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
    ' Target="vbaProject.bin"/>'
)
VBA_CONTENT_TYPE = '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'


def convert(work, source, target_format, filter_name):
    """Convert ``source`` with LibreOffice; return the path of the file written."""
    subprocess.run([
        'soffice', f'-env:UserInstallation={(work / "profile").as_uri()}', '--headless',
        '--convert-to', f'{target_format}:{filter_name}', '--outdir', str(work / 'out'), str(source),
    ], check=True, capture_output=True)
    return work / 'out' / f'{source.stem}.{target_format}'


def make_vba_project(work):
    """word/vbaProject.bin: an OLE2 file with the streams of a VBA project, made by libgsf."""
    root = work / 'vba'
    for name, content in VBA_PROJECT_STREAMS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    target = work / 'vbaProject.bin'
    subprocess.run(['gsf', 'createole', str(target), 'PROJECT', 'VBA'], cwd=root, check=True, capture_output=True)
    return target.read_bytes()


def add_vba_project(docm, vba_project, target):
    """Copy the package ``docm`` to ``target``, adding ``vba_project`` as Word does."""
    with zipfile.ZipFile(docm) as source, zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == '[Content_Types].xml':
                content = content.replace(b'</Types>', VBA_CONTENT_TYPE.encode() + b'</Types>')
            elif info.filename == 'word/_rels/document.xml.rels':
                content = content.replace(b'</Relationships>', VBA_RELATIONSHIP.encode() + b'</Relationships>')
            package.writestr(info.filename, content)
        package.writestr('word/vbaProject.bin', vba_project)


def make_images():
    photo = Image.new('RGB', (64, 48), (70, 130, 180))
    ImageDraw.Draw(photo).ellipse((16, 8, 48, 40), fill=(250, 200, 60))
    photo.save(FILES_DIR / 'photo.png', format='PNG')
    photo.save(FILES_DIR / 'photo.jpg', format='JPEG', quality=85)
    frames = [Image.new('P', (32, 32), color) for color in (1, 2)]
    frames[0].putpalette([0, 0, 0, 220, 40, 40, 40, 90, 220] + [0] * 759)
    frames[1].putpalette(frames[0].getpalette())
    frames[0].save(FILES_DIR / 'anim.gif', format='GIF', save_all=True, append_images=frames[1:], duration=500, loop=0)


def make_msi(work):
    target = work / 'setup.msi'
    subprocess.run([
        'msibuild', str(target),
        '-q', ('CREATE TABLE `Property` (`Property` CHAR(72) NOT NULL, `Value` CHAR(0) NOT NULL LOCALIZABLE'
              ' PRIMARY KEY `Property`)'),
        '-q', "INSERT INTO `Property` (`Property`, `Value`) VALUES ('ProductName', 'Contact Documents test')",
        # Last: -s takes up to four arguments (title, author, template, uuid).
        '-s', 'Contact Documents test installer',
    ], check=True, capture_output=True)
    shutil.copyfile(target, FILES_DIR / 'setup.msi')


def main():
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / 'profile' / 'user').mkdir(parents=True)
        (work / 'profile' / 'user' / 'registrymodifications.xcu').write_text(LIBREOFFICE_SETTINGS)
        sources = {'letter.txt': LETTER, 'budget.csv': BUDGET, 'slides.fodp': SLIDES, 'macro.txt': LETTER}
        for name, text in sources.items():
            (work / name).write_text(text)
        for source, target_format, filter_name in (
            ('letter.txt', 'doc', 'MS Word 97'),
            ('letter.txt', 'docx', 'MS Word 2007 XML'),
            ('letter.txt', 'pdf', 'writer_pdf_Export'),
            ('slides.fodp', 'ppt', 'MS PowerPoint 97'),
            ('slides.fodp', 'pptx', 'Impress MS PowerPoint 2007 XML'),
            ('budget.csv', 'xls', 'MS Excel 97'),
        ):
            shutil.copyfile(convert(work, work / source, target_format, filter_name),
                            FILES_DIR / f'{Path(source).stem}.{target_format}')
        docm = convert(work, work / 'macro.txt', 'docm', 'MS Word 2007 XML VBA')
        add_vba_project(docm, make_vba_project(work), FILES_DIR / 'macro.docm')
        make_msi(work)
    make_images()
    make_media()


# ffmpeg arguments of each media file: one second, tiny, as a phone or a chat app would send.
MEDIA = {
    'clip.webm': ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=1', '-c:v', 'libvpx', '-b:v', '20k',
                  '-pix_fmt', 'yuv420p'],
    'clip.mp4': ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=1', '-c:v', 'libx264',
                 '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
    'voice.ogg': ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', '-b:a', '16k'],
}


def make_media():
    for name, arguments in MEDIA.items():
        subprocess.run(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', *arguments, '-fflags', '+bitexact',
                        str(FILES_DIR / name)], check=True)


if __name__ == '__main__':
    main()
