/**
 * A Kobo-style cascading XLSForm: district → town → village with `choice_filter` and the filter
 * columns (district, town) on the choices sheet, written both ways round (`district=${district}`
 * and `${town} = town`). Town t4 has no village, so the optional village question is passed over
 * there. Used by the import, terminal-chat and Telegram tests.
 */
import { EN, ZH } from "./forms.js";
import type { FormSheets } from "./workbook.js";

/** The cascading form's sheets. */
export function cascadingForm(): FormSheets {
  return {
    survey: [
      ["type", "name", ZH, EN, "required", "choice_filter"],
      ["select_one district", "district", "您住在哪个区？", "Which district do you live in?", "yes"],
      ["select_one town", "town", "哪个街道？", "Which town?", "yes", "district=${district}"],
      ["select_one village", "village", "哪个社区？", "Which village?", "no", "${town} = town"],
      ["select_one yes_no", "safe", "晚上您觉得安全吗？", "Do you feel safe at night?", "yes"],
    ],
    choices: [
      ["list_name", "name", ZH, EN, "district", "town"],
      ["district", "d1", "西湖区", "West Lake"],
      ["district", "d2", "上城区", "Shangcheng"],
      ["town", "t1", "北山街道", "Beishan", "d1"],
      ["town", "t2", "西溪街道", "Xixi", "d1"],
      ["town", "t3", "湖滨街道", "Hubin", "d2"],
      ["town", "t4", "清波街道", "Qingbo", "d2"],
      ["village", "v1", "宝石社区", "Baoshi", null, "t1"],
      ["village", "v2", "保俶社区", "Baochu", null, "t1"],
      ["village", "v3", "古荡社区", "Gudang", null, "t2"],
      ["village", "v4", "东坡社区", "Dongpo", null, "t3"],
      ["yes_no", "yes", "是", "Yes"],
      ["yes_no", "no", "否", "No"],
    ],
    settings: [
      ["form_title", "form_id", "version", "default_language"],
      ["住址与安全感", "cascading", "2026120701", "zh-CN"],
    ],
  };
}
