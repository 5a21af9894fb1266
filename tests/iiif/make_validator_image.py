#!/usr/bin/env python3
"""Writes the IIIF validator's test image: 1000x1000 pixels, a 10x10 grid of 100-pixel squares,
square (x, y) in the colour colorInfo[x][y] of the installed iiif_validator package (the table
its tests compare against). Usage: make_validator_image.py OUT.png"""
import sys

from iiif_validator.validator import ValidationInfo
from PIL import Image

colors = ValidationInfo().colorInfo
img = Image.new("RGB", (1000, 1000))
px = img.load()
for x in range(10):
    for y in range(10):
        c = tuple(colors[x][y])
        for j in range(y * 100, y * 100 + 100):
            for i in range(x * 100, x * 100 + 100):
                px[i, j] = c
img.save(sys.argv[1])
