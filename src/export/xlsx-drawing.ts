/**
 * The drawing part that embeds pictures in a streamed sheet: one anchor per picture at its cell, scaled
 * to fit a fixed box with its proportions kept, and the relationships naming each image file. Written in
 * chunks like the sheet's rows, so a list with thousands of photos never builds one large string.
 */
import type { ExportPhoto } from '../db/repos/problem-export.ts';
import { NS_REL } from './xlsx-parts.ts';

const PAGE = 100; // anchors or relationships per chunk
const EMU = 9525; // per pixel
const BOX = { w: 104, h: 74 }; // the picture's box inside its cell, px

/** A picture to place: the cell (zero-based) and the thumbnail file. */
export interface Image {
  row: number; // zero-based sheet row
  col: number;
  photo: ExportPhoto;
  path: string;
}

function fit(p: ExportPhoto): { cx: number; cy: number } {
  const scale = Math.min(BOX.w / Math.max(1, p.width), BOX.h / Math.max(1, p.height));
  return { cx: Math.round(p.width * scale * EMU), cy: Math.round(p.height * scale * EMU) };
}

export async function* drawingXml(images: Image[]): AsyncGenerator<string> {
  yield `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="${NS_REL}">`;
  for (let start = 0; start < images.length; start += PAGE) {
    yield images
      .slice(start, start + PAGE)
      .map((im, k) => {
        const i = start + k + 1;
        const { cx, cy } = fit(im.photo);
        return (
          `<xdr:oneCellAnchor><xdr:from><xdr:col>${im.col}</xdr:col><xdr:colOff>${4 * EMU}</xdr:colOff><xdr:row>${im.row}</xdr:row><xdr:rowOff>${3 * EMU}</xdr:rowOff></xdr:from>` +
          `<xdr:ext cx="${cx}" cy="${cy}"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="${i + 1}" name="照片 ${i}"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>` +
          `<xdr:blipFill><a:blip r:embed="rId${i}"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>` +
          `<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="${cx}" cy="${cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>`
        );
      })
      .join('');
  }
  yield `</xdr:wsDr>`;
}

export async function* drawingRels(count: number): AsyncGenerator<string> {
  yield `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`;
  for (let start = 1; start <= count; start += PAGE) {
    let xml = '';
    for (let i = start; i < Math.min(count + 1, start + PAGE); i++)
      xml += `<Relationship Id="rId${i}" Type="${NS_REL}/image" Target="../media/image${i}.jpeg"/>`;
    yield xml;
  }
  yield `</Relationships>`;
}
