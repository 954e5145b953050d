/**
 * XLSForms written the ways pyxform (the reference converter) accepts and people write them:
 * single-colon language columns, sheet and column names in other cases, `list name` with a space,
 * `select one` with a space, a missing translation, regex() constraints with their own messages,
 * piping, if() / coalesce(), questions the chat cannot ask, and choices from a CSV file.
 */
import ExcelJS from "exceljs";
import type { FormSheets } from "./workbook.js";

/**
 * A trilingual form (English default, Simplified and Traditional Chinese) in pyxform's looser
 * spellings. Survey rows: 2 age … 11 thanks (the outro).
 */
export function pyxformStyleForm(): FormSheets {
  // The sheet names are spelled as people do ("Survey", "CHOICES"); FormSheets names them in lowercase.
  return {
    Survey: [
      [
        "Type", "Name", "Label:English", "label::中文 (zh-CN)", "LABEL:繁體中文", "Hint:English", "Required", "Relevant", "Constraint",
        "Constraint_Message:English", "constraint message::中文 (zh-CN)", "jr:constraintMsg:繁體中文", "Colour",
      ],
      [
        "Integer", "age", "How old are you?", "您多大年纪？", "您多大年紀？", "In years", "yes", null, ". >= 16 and . <= 120",
        "Between 16 and 120, please", "请输入16到120之间的数字", "請輸入16到120之間的數字", "red",
      ],
      [
        "text", "postcode", "Your postcode?", "您的邮政编码？", "您的郵遞區號？", null, "yes", null, "regex(., '^[0-9]{6}$')",
        "A postcode has six digits", "邮政编码是6位数字", "郵遞區號是6位數字",
      ],
      ["select one yn", "safe", "At ${age}, do you feel safe at night?", "${age}岁的您，晚上觉得安全吗？", "${age}歲的您，晚上覺得安全嗎？", null, "yes"],
      ["note", "echo", "You answered: ${safe}", "您的回答：${safe}", "您的回答：${safe}"],
      ["geopoint", "where", "Where are you?", "您在哪里？", "您在哪裡？"],
      ["osm", "map", "Mark it on the map", "在地图上标出", "在地圖上標出", null, "yes", "${safe} = 'no'"],
      [
        "text", "why", "Why not, in ${postcode}?", "在${postcode}，为什么不安全？", "在${postcode}，為什麼不安全？", null, "no",
        "if(${age} >= 18, ${safe} = 'no', false())", "not(regex(., '(a+)+$')) and string-length(coalesce(., '')) <= 200",
        "Please write in words", "请用文字描述", "請用文字描述",
      ],
      ["select_one_from_file streets.csv", "street", "Which street?", "哪条街？", "哪條街？", null, "yes"],
      ["note", "thanks", "Thank you, postcode ${postcode}!", "谢谢！邮编${postcode}", "謝謝！郵遞區號${postcode}"],
    ],
    CHOICES: [
      ["List Name", "Name", "Label:English", "label::中文 (zh-CN)", "LABEL:繁體中文"],
      ["yn", "yes", "Yes", "是", "是"],
      // No Traditional label: zh-TW readers see the English one, with a warning.
      ["yn", "no", "No", "否", null],
    ],
    settings: [
      ["Form_ID", "Version", "default_language", "form_title:中文 (zh-CN)", "form_title"],
      ["pyxform_style", 2024060101, "English", "社区安全", "Community safety"],
    ],
  } as unknown as FormSheets;
}

/** The streets file of pyxformStyleForm, as CSV (quoted fields, a BOM, CRLF). */
export const STREETS_CSV = '\uFEFFname,label::English (en),label::中文 (zh-CN),label::繁體中文 (zh-TW)\r\nnorth,North Road,北路,北路\r\n"south","South Road, old town",南路,南路\r\n';

/** The same streets as an .xlsx file. */
export async function streetsXlsx(): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("streets");
  sheet.addRow(["name", "label:English", "label:中文", "label:繁體中文"]);
  sheet.addRow(["north", "North Road", "北路", "北路"]);
  sheet.addRow(["south", "South Road, old town", "南路", "南路"]);
  return new Uint8Array((await workbook.xlsx.writeBuffer()) as ArrayBuffer);
}

export const CSV_BYTES = new TextEncoder().encode(STREETS_CSV);
