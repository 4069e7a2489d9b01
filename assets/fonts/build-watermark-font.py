#!/usr/bin/env python3
"""Builds CCWatermarkSans-Regular.otf, the font that photo watermarks are drawn with.

Why: Noto Sans CJK is ~19 MB and may be missing on a fresh machine; watermarks must never show boxes.
This keeps Noto Sans CJK SC Regular's glyphs for every character of GB2312 (6,763 hanzi plus its
symbols, which covers the 3,500 characters of 现代汉语常用字表 except 啰 and 瞭, added here),
printable ASCII and a few extra marks, renames the family (SIL OFL 1.1 asks a modified version
not to use the original's name) and drops layout features the watermark does not use.

Needs Debian's fonts-noto-cjk and fonttools (apt-get install fonts-noto-cjk fonttools).
Run from the repository root with Debian's Python: /usr/bin/python3 assets/fonts/build-watermark-font.py
"""
import os
import tempfile

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'
SOURCE_INDEX = 2  # Noto Sans CJK SC inside the collection
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'CCWatermarkSans-Regular.otf')
FAMILY = 'CCWatermarkSans'


def characters():
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode('gb2312'))
            except UnicodeDecodeError:
                pass
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= set('啰瞭·×°±—–…‘’“”、。，：；！？（）【】「」《》〔〕～％＃＠＆')
    return chars


def main():
    font = TTFont(SOURCE, fontNumber=SOURCE_INDEX)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ['vhea', 'vmtx', 'VORG', 'BASE']
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters()])
    subsetter.subset(font)
    names = font['name']
    for record in names.names:
        if record.nameID in (1, 4):
            record.string = FAMILY
        elif record.nameID == 3:
            record.string = f'2.004;{FAMILY}-Regular (subset of Noto Sans CJK SC)'
        elif record.nameID == 6:
            record.string = f'{FAMILY}-Regular'
    cff = font['CFF '].cff
    cff.fontNames = [f'{FAMILY}-Regular']
    top = cff.topDictIndex[0]
    top.FullName = FAMILY
    top.FamilyName = FAMILY
    with tempfile.NamedTemporaryFile(dir=HERE, delete=False) as tmp:
        font.save(tmp.name)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, OUT)
    print(f'{OUT}: {len(characters())} characters, {os.path.getsize(OUT):,} bytes')


if __name__ == '__main__':
    main()
