/**
 * The fixed parts of a one-sheet xlsx written by hand (content types, relationships, workbook with the
 * print titles and filter names, styles), for the streamed 整改清单. exceljs cannot embed images while
 * streaming, and its in-memory workbook keeps every image, so this workbook is assembled part by part.
 */
import { DATE_FORMAT, SCORE_FORMAT, TEXT_FORMAT_ID, TIME_FORMAT } from '../excel/formats.ts';

export const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
export const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export function xmlEscape(s: string): string {
  return (
    s
      // XML 1.0 cannot carry control characters (a pasted note may hold them)
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

export function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

export const contentTypes = (withDrawing: boolean) =>
  HEAD +
  `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
  `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
  `<Default Extension="xml" ContentType="application/xml"/>` +
  `<Default Extension="jpeg" ContentType="image/jpeg"/>` +
  `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
  `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
  `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
  (withDrawing
    ? `<Override PartName="/xl/drawings/drawing1.xml" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>`
    : '') +
  `<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
  `</Types>`;

export const rootRels =
  HEAD +
  `<Relationships xmlns="${NS_PKG_REL}">` +
  `<Relationship Id="rId1" Type="${NS_REL}/officeDocument" Target="xl/workbook.xml"/>` +
  `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
  `</Relationships>`;

export const coreProps = (title: string, at: Date) =>
  HEAD +
  `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
  `<dc:title>${xmlEscape(title)}</dc:title><dc:creator>创城测评</dc:creator>` +
  `<dcterms:created xsi:type="dcterms:W3CDTF">${at.toISOString().slice(0, 19)}Z</dcterms:created>` +
  `</cp:coreProperties>`;

export const workbookXml = (sheet: string, lastRow: number, lastCol: string) =>
  HEAD +
  `<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><sheets><sheet name="${xmlEscape(sheet)}" sheetId="1" r:id="rId1"/></sheets>` +
  `<definedNames>` +
  `<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'${xmlEscape(sheet)}'!$A$1:$${lastCol}$${lastRow}</definedName>` +
  `<definedName name="_xlnm.Print_Titles" localSheetId="0">'${xmlEscape(sheet)}'!$1:$1</definedName>` +
  `</definedNames></workbook>`;

export const workbookRels =
  HEAD +
  `<Relationships xmlns="${NS_PKG_REL}">` +
  `<Relationship Id="rId1" Type="${NS_REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
  `<Relationship Id="rId2" Type="${NS_REL}/styles" Target="styles.xml"/>` +
  `</Relationships>`;

export const sheetRels =
  HEAD +
  `<Relationships xmlns="${NS_PKG_REL}"><Relationship Id="rId1" Type="${NS_REL}/drawing" Target="../drawings/drawing1.xml"/></Relationships>`;

/**
 * Style ids: 0 default, 1 header, 2 wrapped text, 3 count, 4 link under a picture, 5 score (0.00),
 * 6 date, 7 date and time, 8 wrapped text kept as text (quotePrefix, see src/excel/formats.ts).
 */
export const STYLE = {
  header: 1,
  text: 2,
  count: 3,
  link: 4,
  score: 5,
  date: 6,
  time: 7,
  literal: 8,
} as const;

const BORDERED = 'fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1"';

export const stylesXml =
  HEAD +
  `<styleSheet xmlns="${NS_MAIN}">` +
  `<numFmts count="3"><numFmt numFmtId="164" formatCode="${SCORE_FORMAT}"/><numFmt numFmtId="165" formatCode="${DATE_FORMAT}"/>` +
  `<numFmt numFmtId="166" formatCode="${TIME_FORMAT}"/></numFmts>` +
  `<fonts count="3"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font>` +
  `<font><u/><sz val="10"/><color rgb="FF1D4ED8"/><name val="等线"/></font></fonts>` +
  `<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>` +
  `<fill><patternFill patternType="solid"><fgColor rgb="FFF2DCDB"/><bgColor indexed="64"/></patternFill></fill></fills>` +
  `<borders count="2"><border/><border><left style="thin"><color rgb="FFD9D9D9"/></left><right style="thin"><color rgb="FFD9D9D9"/></right>` +
  `<top style="thin"><color rgb="FFD9D9D9"/></top><bottom style="thin"><color rgb="FFD9D9D9"/></bottom></border></borders>` +
  `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
  `<cellXfs count="9"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
  `<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>` +
  `<xf numFmtId="0" ${BORDERED}><alignment vertical="top" wrapText="1"/></xf>` +
  `<xf numFmtId="1" ${BORDERED} applyNumberFormat="1"><alignment vertical="top"/></xf>` +
  `<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="bottom"/></xf>` +
  `<xf numFmtId="164" ${BORDERED} applyNumberFormat="1"><alignment vertical="top"/></xf>` +
  `<xf numFmtId="165" ${BORDERED} applyNumberFormat="1"><alignment horizontal="left" vertical="top"/></xf>` +
  `<xf numFmtId="166" ${BORDERED} applyNumberFormat="1"><alignment horizontal="left" vertical="top"/></xf>` +
  `<xf numFmtId="${TEXT_FORMAT_ID}" ${BORDERED} applyNumberFormat="1" quotePrefix="1"><alignment vertical="top" wrapText="1"/></xf>` +
  `</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;
