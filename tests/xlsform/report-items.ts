/**
 * Report items as the tests compare them: the English explanation (`message`) without its locale
 * key, after checking that the key renders to exactly that English text.
 */
import { expect } from "vitest";
import type { ReportItem } from "../../core/definitions/xlsform.js";
import { renderMessage } from "../../core/definitions/xlsform-messages.js";

/** The items without `text`; fails when an item's key does not render to its `message`. */
export function plainItems(items: readonly ReportItem[]): Omit<ReportItem, "text">[] {
  return items.map(({ text, ...rest }) => {
    expect(renderMessage(text, "en")).toBe(rest.message);
    return rest;
  });
}
