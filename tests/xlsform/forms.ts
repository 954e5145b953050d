/**
 * The XLSForms the import tests use, as tables (row 1 = column names, like in Excel).
 */
import type { FormSheets } from "./workbook.js";

export const ZH = "label::中文 (zh-CN)";
export const EN = "label::English (en)";

/**
 * A bilingual (zh-CN + en) community safety form with skip logic, constraints and messages,
 * required questions, select_one / select_multiple with or_other, integer / decimal / text /
 * note and a group. Survey rows: 2 intro … 12 thanks (which becomes the outro).
 */
export function communityForm(): FormSheets {
  return {
    survey: [
      [
        "type", "name", ZH, EN, "hint::中文 (zh-CN)", "hint::English (en)", "required",
        "required_message::中文 (zh-CN)", "required_message::English (en)", "relevant", "constraint",
        "constraint_message::中文 (zh-CN)", "constraint_message::English (en)", "appearance",
      ],
      ["note", "intro", "欢迎参加社区安全感调查。", "Welcome to the community safety survey."],
      ["begin group", "about", "关于您", "About you"],
      [
        "integer", "age", "您今年多大年纪？", "How old are you?", null, null, "yes", "请告诉我们您的年龄", "Please tell us your age",
        null, ". >= 16 and . < 120", "年龄应在16到119岁之间", "Age must be between 16 and 119",
      ],
      ["select_one yes_no", "victim", "过去一年您受过侵害吗？", "Were you a victim of crime in the past year?", null, null, "yes"],
      [
        "select_multiple crimes or_other", "crime_types", "遇到过哪些？", "What happened?", "最多选三项", "Up to three", "yes", null, null,
        "${victim} = 'yes'", "not(selected(., 'none') and count-selected(.) > 1) and count-selected(.) <= 3", "最多三项", "At most three",
      ],
      ["end group"],
      ["select_one trend", "trend", "和一年前比，治安怎么样？", "Compared with a year ago, safety is…", null, null, "TRUE", null, null, "${age} >= 18"],
      [
        "decimal", "hours", "每周晚上在外面大约几个小时？", "About how many hours a week are you out at night?", null, null, null, null, null,
        "count-selected(${crime_types}) >= 2 or ${trend} != 'better'", ". >= 0 and . <= 168", "一周最多168小时", "A week has at most 168 hours",
      ],
      ["note", "theft_note", "我们会跟进盗窃问题。", "We will follow up on theft.", null, null, null, null, null, "selected(${crime_types}, 'theft')"],
      ["text", "comments", "您有什么建议？", "Any suggestions?", "可以不填", "Optional", "no", null, null, null, "string-length(.) <= 200", null, null, "multiline"],
      ["note", "thanks", "谢谢您的参与！", "Thank you for taking part!"],
    ],
    choices: [
      ["list_name", "name", ZH, EN],
      ["yes_no", "yes", "是", "Yes"],
      ["yes_no", "no", "否", "No"],
      ["crimes", "theft", "盗窃", "Theft"],
      ["crimes", "fraud", "诈骗", "Fraud"],
      ["crimes", "robbery", "抢劫", "Robbery"],
      ["crimes", "none", "都没有", "None of these"],
      ["trend", "better", "变好了", "Better"],
      ["trend", "same", "差不多", "About the same"],
      ["trend", "worse", "变差了", "Worse"],
    ],
    settings: [
      ["form_title", "form_id", "version", "default_language"],
      ["社区安全感调查", "community_safety", 2024010101, "中文 (zh-CN)"],
    ],
  };
}

/**
 * A form that imports, with one of each harmless unsupported construct: metadata, a skipped
 * question type of every family, an unreferenced calculate, range, ignored columns, media,
 * an extra sheet, a language the bot does not speak and settings with no meaning here.
 */
export function harmlessUnsupportedForm(): FormSheets {
  return {
    survey: [
      ["type", "name", "label::English (en)", "label::Français (fr)", "appearance", "default", "trigger", "media::image::English (en)", "guidance_hint", "calculation", "parameters", "required", "relevant", "comments"],
      ["start", "start"],
      ["end", "end"],
      ["deviceid", "deviceid"],
      ["geopoint", "location", "Where are you?", "Où êtes-vous ?"],
      ["image", "photo", "Take a photo", "Prenez une photo"],
      ["audio", "voice", "Record a message", "Enregistrez un message"],
      ["date", "visit_date", "When did it happen?", "Quand ?"],
      ["calculate", "score", null, null, null, null, null, null, null, "1 + 1"],
      ["rank", "priorities", "Rank these", "Classez"],
      ["select_one_external streets", "street", "Your street", "Votre rue"],
      ["select_one level", "feel", "How safe do you feel?", "Vous sentez-vous en sécurité ?", "likert", "safe", null, "feel.png", "Read slowly", null, "randomize=true", "yes"],
      ["range", "rating", "Rate the police from 1 to 5", "Notez", "rating", null, null, null, null, null, "start=1 end=5 step=1", "yes"],
      ["integer", "children", "How many children live with you?", "Combien d'enfants ?", null, "0", "${feel}", null, null, null, null, "no", null, "ask gently"],
      ["note", "bye", "Thank you!", "Merci !", null, null, null, null, null, null, null, "yes", "${feel} != 'unsafe'"],
    ],
    choices: [
      ["list_name", "name", "label::English (en)", "label::Français (fr)", "media::image", "district"],
      ["level", "safe", "Safe", "En sécurité", "safe.png", "north"],
      ["level", "unsafe", "Unsafe", "Pas en sécurité", null, "south"],
      ["unused", "a", "A", "A"],
      ["unused", "b", "B", "B"],
    ],
    settings: [
      ["form_title", "form_id", "version", "instance_name", "public_key", "style"],
      ["Night safety", "Night-Safety", "3", "concat(${feel})", "MIIBIjANBg", "pages"],
    ],
    notes: [["This sheet is for the authors"], ["v3: added rating"]],
  };
}

/**
 * A form with constructs that must refuse the import: a repeat, a calculate used by relevant,
 * a regex with a backreference (which a matcher that cannot hang cannot run), a choice_filter on a
 * column the choices sheet does not have, a dynamic required, read_only, mod, a reference to a
 * later question, an unknown type, a constraint on a select_one, a duplicate name, a missing
 * list and a question without a label in any language.
 */
export function refusedForm(): FormSheets {
  return {
    survey: [
      ["type", "name", ZH, EN, "required", "relevant", "constraint", "choice_filter", "read_only", "calculation", "repeat_count"],
      ["calculate", "adult", null, null, null, null, null, null, null, "${age} >= 18"],
      ["integer", "age", "年龄", "Age", "yes"],
      ["text", "phone", "电话", "Phone", null, null, "regex(., '^([0-9])\\1+$')"],
      ["select_one district", "district", "区", "District", "yes"],
      ["select_one town", "town", "镇", "Town", "yes", null, null, "region = ${district}"],
      ["integer", "household", "家里几口人？", "How many people live in your home?", "${age} > 18"],
      ["select_one yes_no", "employed", "有工作吗？", "Do you work?", null, "${adult} = 'true'"],
      ["integer", "even", "偶数", "An even number", null, null, ". mod 2 = 0"],
      ["text", "early", "提前", "Early", null, "${late} != ''"],
      ["text", "late", "之后", "Late"],
      ["begin repeat", "members", "家庭成员", "Household members", null, null, null, null, null, null, "${household}"],
      ["text", "member_name", "姓名", "Name"],
      ["end repeat"],
      ["geopoint2", "where", "哪里", "Where"],
      ["select_one yes_no", "agree", "同意吗？", "Agree?", null, null, ". = 'yes'"],
      ["text", "age", "重复", "Duplicate"],
      ["select_one colours", "colour", "颜色", "Colour"],
      ["note", "shown", "只读", "Read only", null, null, null, null, "yes"],
      ["select_one yes_no", "locked", "锁定", "Locked", null, null, null, null, "yes"],
      ["text", "unlabelled"],
    ],
    choices: [
      ["list_name", "name", ZH, EN, "district"],
      ["yes_no", "yes", "是", "Yes"],
      ["yes_no", "no", "否", "No"],
      ["district", "d1", "东区", "East"],
      ["district", "d2", "西区", "West"],
      ["town", "t1", "甲镇", "Town A", "d1"],
      ["town", "t2", "乙镇", "Town B", "d2"],
    ],
    settings: [
      ["form_title", "form_id", "version"],
      ["拒绝", "refused", "1"],
    ],
  };
}
