/**
 * The few texts only the WeChat adapter says (everything else comes from the engine). Kept here
 * rather than in locales/ because they describe WeChat's own limits: no buttons, no group surveys.
 */
import type { Lang } from "../../core/engine/types.js";

/** The adapter's texts in one language. */
export interface WechatStrings {
  /** Start of the line that shows a multiple-choice selection in the compact form; `{count}` ticked. */
  selected: string;
  /** The same when at most `{max}` may be ticked. */
  selectedOfMax: string;
  /** Shown instead of the selection when nothing is ticked yet. */
  nothingSelected: string;
  /** How to go on after a tick in the compact form; `{key}` is the Done key. */
  multiHint: string;
  /** Reply to a voice note, picture or sticker. */
  textOnly: string;
  /** Reply to an @-mention in a group chat when WECHAT_ROOMS=hint. */
  roomHint: string;
}

/** The adapter's texts by language. */
export const WECHAT_STRINGS: Record<Lang, WechatStrings> = {
  "zh-CN": {
    selected: "已选 {count} 项：",
    selectedOfMax: "已选 {count}/{max}：",
    nothingSelected: "（还没有选）",
    multiHint: "可以继续回复编号，选好了回复 {key}。",
    textOnly: "我暂时只能看懂文字消息，请打字回复。",
    roomHint: "为了保护您的隐私，问卷只在私聊里进行。请直接给我发消息。",
  },
  "zh-TW": {
    selected: "已選 {count} 項：",
    selectedOfMax: "已選 {count}/{max}：",
    nothingSelected: "（還沒有選）",
    multiHint: "可以繼續回覆編號，選好了回覆 {key}。",
    textOnly: "我暫時只能看懂文字訊息，請打字回覆。",
    roomHint: "為了保護您的隱私，問卷只在私聊裡進行。請直接傳訊息給我。",
  },
  en: {
    selected: "Selected ({count}): ",
    selectedOfMax: "Selected ({count} of {max}): ",
    nothingSelected: "(nothing yet)",
    multiHint: "Reply with more numbers, or {key} when you are done.",
    textOnly: "For now I can only read text messages. Please type your reply.",
    roomHint: "To protect your privacy, the survey only runs in a private chat. Please message me directly.",
  },
};
