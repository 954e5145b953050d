/**
 * What exports read: the store's read operations that both the Prisma store and the plain-SQL
 * BulkReader (prisma/bulk-reader.ts) provide, so that a CLI export can run without loading
 * Prisma at all (memory: see bench/export.ts).
 */
import type { OutreachFiguresReader } from "./outreach-figures.js";
import type { AdminSuggestionRecord, QuestionnaireRecord, RegionRecord, ResponseQuery, ResponseWithRegion, SpotCheckRecord, SuggestionQuery, WaveRecord } from "../../prisma/store.js";

/** The read operations of an export (the outreach figures' two reads included). */
export interface ExportSource extends OutreachFiguresReader {
  listWaves(): Promise<WaveRecord[]>;
  currentWave(now: Date): Promise<WaveRecord | null>;
  getQuestionnaireById(id: string): Promise<QuestionnaireRecord | null>;
  listRegions(): Promise<RegionRecord[]>;
  getRegionByCode(code: string): Promise<RegionRecord | null>;
  countResponses(query?: ResponseQuery): Promise<number>;
  countResponsesByRegion(query?: ResponseQuery): Promise<{ regionId: string | null; count: number }[]>;
  streamResponses(query?: ResponseQuery): AsyncGenerator<ResponseWithRegion>;
  countSuggestions(query?: SuggestionQuery): Promise<number>;
  streamSuggestions(query?: SuggestionQuery): AsyncGenerator<AdminSuggestionRecord>;
  waveTargets(waveId: string): Promise<{ measureId: string; label: string; value: number }[]>;
  listSpotChecks(waveId: string): Promise<SpotCheckRecord[]>;
}
