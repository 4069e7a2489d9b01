/**
 * The files a unit may upload for a document task (材料审核 / 网上申报), and the refusals shown when an
 * upload is not one of them. Each kind says how it is served: PDFs and images open in the browser's own
 * viewer (`inline`); Office and OFD files only download (`attachment`), since the browser cannot show them
 * and nothing uploaded is ever served as a page of ours. The limits are per file and per task.
 */
export type DocumentKind = 'pdf' | 'docx' | 'xlsx' | 'ofd' | 'jpeg' | 'png';

export interface DocumentKindInfo {
  kind: DocumentKind;
  mime: string;
  /** lower case, without the dot; the first is the one a download is named with */
  extensions: readonly string[];
  /** 文件类型的中文名 */
  label: string;
  disposition: 'inline' | 'attachment';
}

const kind = (
  k: DocumentKind,
  mime: string,
  extensions: string[],
  label: string,
  disposition: 'inline' | 'attachment',
): DocumentKindInfo =>
  Object.freeze({ kind: k, mime, extensions: Object.freeze(extensions), label, disposition });

export const DOCUMENT_KINDS: Readonly<Record<DocumentKind, DocumentKindInfo>> = Object.freeze({
  pdf: kind('pdf', 'application/pdf', ['pdf'], 'PDF 文件', 'inline'),
  docx: kind(
    'docx',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ['docx'],
    'Word 文档（.docx）',
    'attachment',
  ),
  xlsx: kind(
    'xlsx',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ['xlsx'],
    'Excel 表格（.xlsx）',
    'attachment',
  ),
  // GB/T 33190 registers no MIME type; application/ofd is what OFD readers and government portals use
  ofd: kind('ofd', 'application/ofd', ['ofd'], 'OFD 版式文件', 'attachment'),
  jpeg: kind('jpeg', 'image/jpeg', ['jpg', 'jpeg'], 'JPEG 图片', 'inline'),
  png: kind('png', 'image/png', ['png'], 'PNG 图片', 'inline'),
});

const MB = 1024 * 1024;

export const DOCUMENT_LIMITS = Object.freeze({
  /** one file, as uploaded */
  maxBytes: 20 * MB,
  /** files attached to one task */
  maxFilesPerTask: 10,
  /** characters of a file's name */
  maxNameLength: 200,
});

/** The kind a name's extension claims, or null when it is not one we accept. */
export function kindOfExtension(ext: string): DocumentKind | null {
  const lower = ext.toLowerCase();
  for (const info of Object.values(DOCUMENT_KINDS)) if (info.extensions.includes(lower)) return info.kind;
  return null;
}

const ACCEPTED = 'PDF、Word（.docx）、Excel（.xlsx）、OFD、JPEG 或 PNG';

/** Every refusal of an upload, in the words the unit sees: what is wrong and what to do. */
export const DOCUMENT_REFUSALS = Object.freeze({
  empty: '文件是空的（0 字节），请选择正确的文件后重新上传',
  tooLarge: `文件超过 ${DOCUMENT_LIMITS.maxBytes / MB} MB，请压缩或拆分后再上传`,
  tooManyFiles: `每项任务最多上传 ${DOCUMENT_LIMITS.maxFilesPerTask} 个文件，请删除多余的文件或合并后再上传`,
  nameHasPath: '文件名不能包含路径（“/”“\\”或“..”），请重命名文件后再上传',
  nameHasControl: '文件名含有不可见的控制字符，请重命名文件后再上传',
  nameTooLong: `文件名过长（超过 ${DOCUMENT_LIMITS.maxNameLength} 个字符），请缩短文件名后再上传`,
  unsupported: `不支持此类型的文件，请上传 ${ACCEPTED} 文件`,
  oldOffice:
    '不支持旧版 Office / WPS 格式（.doc、.xls、.wps），请在 Word、Excel 或 WPS 中“另存为” PDF，或另存为 .docx / .xlsx（兼容格式）后再上传；如果文件设置了打开密码，请先取消密码',
  heic: '不支持 HEIC / HEIF 格式的照片，请改用 JPEG 格式（iPhone：设置 → 相机 → 格式 → 兼容性最佳）后重新拍摄或导出再上传',
  mismatch: '文件内容与扩展名不符，请确认选择的是正确的文件，不要手动修改扩展名',
  pdfDamaged: 'PDF 文件已损坏或不完整，请重新导出或“另存为” PDF 后再上传',
  pdfEncrypted: 'PDF 已加密，请去掉密码后再上传',
  zipDamaged: (label: string) => `${label}已损坏或不完整，请重新打开并另存为新文件后再上传`,
  zipBomb: '文件解压后过大，可能已损坏或含有恶意内容，请重新保存为新文件后再上传',
});
