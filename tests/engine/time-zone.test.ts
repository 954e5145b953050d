/**
 * core/util/time-zone.ts: office time in a named zone, whatever zone the machine runs in (the
 * module never reads the server's zone; run with TZ=America/Los_Angeles to see).
 */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_OFFICE_TIME_ZONE,
  describeTimeZone,
  formatIsoInZone,
  formatLocalDate,
  formatLocalDateTime,
  formatOffset,
  instantOfLocal,
  isCalendarTime,
  isTimeZone,
  localDateTime,
  parseLocalDateTime,
  parseOffset,
  zoneOffsetMinutes,
} from "../../core/util/time-zone.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const at = (text: string) => Date.parse(text);

describe("zones", () => {
  it("knows IANA names and refuses others", () => {
    expect(DEFAULT_OFFICE_TIME_ZONE).toBe("Asia/Shanghai");
    for (const zone of ["Asia/Shanghai", "Asia/Hong_Kong", "Europe/Berlin", "America/New_York", "UTC"]) expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ["", " Asia/Shanghai", "Mars/Olympus", "Asia/Beijing", "+08:00"]) expect(isTimeZone(zone), zone).toBe(false);
  });

  it("gives the offset at an instant, summer and winter", () => {
    expect(zoneOffsetMinutes("Asia/Shanghai", at("2026-12-08T01:00:00Z"))).toBe(480);
    expect(zoneOffsetMinutes("Europe/Berlin", at("2026-01-15T12:00:00Z"))).toBe(60);
    expect(zoneOffsetMinutes("Europe/Berlin", at("2026-07-15T12:00:00Z"))).toBe(120);
    expect(zoneOffsetMinutes("America/New_York", at("2026-07-15T12:00:00Z"))).toBe(-240);
    // Berlin switches at 01:00 UTC on the last Sunday of March.
    expect(zoneOffsetMinutes("Europe/Berlin", at("2026-03-29T00:59:59Z"))).toBe(60);
    expect(zoneOffsetMinutes("Europe/Berlin", at("2026-03-29T01:00:00Z"))).toBe(120);
  });

  it("names the zone with its offset", () => {
    expect(describeTimeZone("Asia/Shanghai", at("2026-12-08T01:00:00Z"))).toBe("Asia/Shanghai (UTC+08:00)");
    expect(describeTimeZone("America/New_York", at("2026-12-08T01:00:00Z"))).toBe("America/New_York (UTC-05:00)");
    expect([formatOffset(0), formatOffset(-90), formatOffset(345)]).toEqual(["+00:00", "-01:30", "+05:45"]);
    expect([parseOffset("Z"), parseOffset("+08:00"), parseOffset("-0130"), parseOffset("8"), parseOffset("+25:00")]).toEqual([0, 480, -90, null, null]);
  });
});

describe("formatting an instant as office time", () => {
  it("09:00 in Shanghai is 01:00Z", () => {
    const nine = at("2026-12-08T01:00:00Z");
    expect(formatLocalDateTime(nine, "Asia/Shanghai")).toBe("2026-12-08 09:00");
    expect(formatLocalDate(nine, "Asia/Shanghai")).toBe("2026-12-08");
    expect(formatIsoInZone(nine, "Asia/Shanghai")).toBe("2026-12-08T09:00:00+08:00");
    expect(formatIsoInZone(new Date(nine + 250), "Asia/Shanghai")).toBe("2026-12-08T09:00:00.250+08:00");
    expect(Date.parse(formatIsoInZone(nine, "Asia/Shanghai"))).toBe(nine);
  });

  it("dates near midnight fall on the office's day, not UTC's", () => {
    // 16:30Z is already the next day in Shanghai; 23:30 in New York is 04:30Z the next day.
    expect(formatLocalDate(at("2026-12-07T16:30:00Z"), "Asia/Shanghai")).toBe("2026-12-08");
    expect(formatLocalDate(at("2026-12-07T15:59:59Z"), "Asia/Shanghai")).toBe("2026-12-07");
    expect(formatLocalDate(at("2026-12-08T04:30:00Z"), "America/New_York")).toBe("2026-12-07");
    expect(formatLocalDateTime(at("2026-12-31T23:59:59.999Z"), "Asia/Shanghai")).toBe("2027-01-01 07:59");
  });

  it("writes summer and winter offsets in a zone with daylight saving", () => {
    expect(formatIsoInZone(at("2026-07-01T07:00:00Z"), "Europe/Berlin")).toBe("2026-07-01T09:00:00+02:00");
    expect(formatIsoInZone(at("2026-12-08T08:00:00Z"), "Europe/Berlin")).toBe("2026-12-08T09:00:00+01:00");
    expect(localDateTime(at("2026-12-08T08:00:00Z"), "Europe/Berlin")).toEqual({ year: 2026, month: 12, day: 8, hour: 9, minute: 0, second: 0, millisecond: 0 });
  });
});

describe("reading a local time in a zone", () => {
  it("an ordinary time", () => {
    expect(iso(instantOfLocal({ year: 2026, month: 12, day: 8, hour: 9, minute: 0 }, "Asia/Shanghai"))).toBe("2026-12-08T01:00:00.000Z");
    expect(iso(instantOfLocal({ year: 2026, month: 12, day: 8, hour: 9, minute: 0 }, "Europe/Berlin"))).toBe("2026-12-08T08:00:00.000Z");
    expect(iso(instantOfLocal({ year: 2026, month: 7, day: 1, hour: 9, minute: 0 }, "Europe/Berlin"))).toBe("2026-07-01T07:00:00.000Z");
    // Fields overflow as Date.UTC lets them: 32 December is 1 January.
    expect(iso(instantOfLocal({ year: 2026, month: 12, day: 32, hour: 9, minute: 0 }, "Asia/Shanghai"))).toBe("2027-01-01T01:00:00.000Z");
  });

  it("a time in a spring-forward gap moves forward by the gap", () => {
    // Berlin, 29 March 2026: 02:00 CET → 03:00 CEST; 02:30 does not exist and is read as 03:30.
    const ms = instantOfLocal({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, "Europe/Berlin");
    expect(iso(ms)).toBe("2026-03-29T01:30:00.000Z");
    expect(formatLocalDateTime(ms, "Europe/Berlin")).toBe("2026-03-29 03:30");
    // New York, 8 March 2026: 02:00 EST → 03:00 EDT.
    expect(formatLocalDateTime(instantOfLocal({ year: 2026, month: 3, day: 8, hour: 2, minute: 15 }, "America/New_York"), "America/New_York")).toBe("2026-03-08 03:15");
  });

  it("an ambiguous time (clocks go back) takes the earlier instant", () => {
    // Berlin, 25 October 2026: 03:00 CEST → 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
    expect(iso(instantOfLocal({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, "Europe/Berlin"))).toBe("2026-10-25T00:30:00.000Z");
    // New York, 1 November 2026: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    expect(iso(instantOfLocal({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, "America/New_York"))).toBe("2026-11-01T05:30:00.000Z");
    // Just outside the overlap there is one answer.
    expect(iso(instantOfLocal({ year: 2026, month: 10, day: 25, hour: 3, minute: 0 }, "Europe/Berlin"))).toBe("2026-10-25T02:00:00.000Z");
  });

  it("round-trips every quarter hour of a day with a change", () => {
    for (const [zone, day] of [["Europe/Berlin", "2026-03-29"], ["Europe/Berlin", "2026-10-25"], ["America/New_York", "2026-11-01"]] as const) {
      const start = instantOfLocal({ year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8)), hour: 0, minute: 0 }, zone);
      for (let ms = start; ms < start + 86_400_000; ms += 15 * 60_000) {
        const l = localDateTime(ms, zone);
        const back = instantOfLocal(l, zone);
        // Either the same instant, or (the second pass through an overlap) its earlier twin an hour before.
        expect([0, 3_600_000], `${zone} ${new Date(ms).toISOString()}`).toContain(ms - back);
        expect(formatLocalDateTime(back, zone)).toBe(formatLocalDateTime(ms, zone));
      }
    }
  });
});

describe("parsing typed date-times", () => {
  it("a date, a date and time, an HTML datetime-local value: office time", () => {
    expect(iso(parseLocalDateTime("2026-12-08 09:00", "Asia/Shanghai"))).toBe("2026-12-08T01:00:00.000Z");
    expect(iso(parseLocalDateTime("2026-12-08T09:00", "Asia/Shanghai"))).toBe("2026-12-08T01:00:00.000Z");
    expect(iso(parseLocalDateTime("2026-12-08", "Asia/Shanghai"))).toBe("2026-12-07T16:00:00.000Z");
    expect(iso(parseLocalDateTime("2026-12-08 09:00:30.5", "Europe/Berlin"))).toBe("2026-12-08T08:00:30.500Z");
    expect(iso(parseLocalDateTime("2026-07-01 09:00", "America/New_York"))).toBe("2026-07-01T13:00:00.000Z");
  });

  it("an offset in the text wins over the zone; a fixed offset may stand for the zone", () => {
    expect(iso(parseLocalDateTime("2026-12-08T09:00Z", "Asia/Shanghai"))).toBe("2026-12-08T09:00:00.000Z");
    expect(iso(parseLocalDateTime("2026-12-08 09:00+01:00", "Asia/Shanghai"))).toBe("2026-12-08T08:00:00.000Z");
    expect(iso(parseLocalDateTime("2026-12-08T09:00:00+08:00", "Europe/Berlin"))).toBe("2026-12-08T01:00:00.000Z");
    expect(iso(parseLocalDateTime("2026-12-08 09:00", "+08:00"))).toBe("2026-12-08T01:00:00.000Z");
    expect(iso(parseLocalDateTime("2026-12-08 09:00", "Z"))).toBe("2026-12-08T09:00:00.000Z");
  });

  it("refuses impossible dates and malformed text", () => {
    for (const text of ["2026-02-30", "2026-02-29 09:00", "2026-12-08 24:00", "2026-12-08 09:60", "2026-13-01", "08.12.2026", "tomorrow", "2026-12-08T09:00+25:00"]) {
      expect(parseLocalDateTime(text, "Asia/Shanghai"), text).toBeNull();
    }
    expect(parseLocalDateTime("2026-12-08 09:00", "Mars/Olympus")).toBeNull();
    expect(isCalendarTime({ year: 2028, month: 2, day: 29, hour: 0, minute: 0 })).toBe(true);
  });
});
