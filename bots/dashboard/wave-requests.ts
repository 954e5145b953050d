/**
 * What the Waves page's forms and the waves API both send: opening a wave and removing a target.
 */
import { z } from "zod";
import { parseWaveTimeText, quotedText, utcOffsetMinutes, WaveError, type OpenWaveRequest } from "../../core/admin/waves.js";
import { optionalText, textParam } from "./queries.js";

/** A checkbox as a form sends it ("on", or nothing) or as JSON (a boolean). */
const flagParam = z
  .union([z.boolean(), z.enum(["1", "true", "on", "0", "false", ""])])
  .optional()
  .transform((v) => v === true || v === "1" || v === "true" || v === "on");

/**
 * Opening a wave, from the Waves page's form or as JSON: times as ISO dates or date-times, read as
 * office time (OFFICE_TIME_ZONE) unless they carry their own offset or `offset` ("+08:00", "Z")
 * names a fixed one for all of them.
 */
export const openWaveBody = z.object({
  questionnaire: optionalText,
  name: optionalText,
  opens: optionalText,
  closes: optionalText,
  offset: optionalText,
  copyTargets: flagParam,
});

/** Removing one target of a wave. */
export const targetDelete = z.object({ wave: textParam(200).pipe(z.string().min(1)), measure: textParam(80).pipe(z.string().min(1)), label: textParam(200).pipe(z.string().min(1)) });

/**
 * The wave an open form or API call asks for, its times office time in `zone` (an IANA name).
 * @throws WaveError for a malformed time or offset
 */
export function openWaveRequest(body: z.infer<typeof openWaveBody>, zone: string): OpenWaveRequest {
  const offset = body.offset ?? zone;
  if (body.offset !== undefined && utcOffsetMinutes(body.offset) === null) throw new WaveError("waves.error_offset_invalid", { offset: quotedText(body.offset) });
  const time = (refusal: "waves.error_opens_text" | "waves.error_closes_text", text: string | undefined): Date | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseWaveTimeText(text, offset);
    if (!parsed) throw new WaveError(refusal, { text: quotedText(text) });
    return parsed;
  };
  const opensAt = time("waves.error_opens_text", body.opens);
  const closesAt = time("waves.error_closes_text", body.closes);
  return {
    ...(body.questionnaire ? { questionnaire: body.questionnaire } : {}),
    ...(body.name ? { name: body.name } : {}),
    ...(opensAt ? { opensAt } : {}),
    ...(closesAt ? { closesAt } : {}),
    copyTargets: body.copyTargets,
  };
}
