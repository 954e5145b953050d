/** What the outreach figures read (the OutreachFiguresReader port, core/admin/outreach-figures.ts). */
import type { StoreContext } from "./context.js";
import type { ClosedCaseRating, FirstQuizAnswer, OutreachFiguresReader } from "../../core/model/index.js";

/** Page size of the figure reads: bounded queries, whatever the number of rows. */
const FIGURE_PAGE = 5000;

export class OutreachFigureTables implements OutreachFiguresReader {
  constructor(private readonly db: StoreContext) {}

  /** Every closed case's rating (null when not rated) and the path of its region. */
  async listClosedCaseRatings(): Promise<ClosedCaseRating[]> {
    const out: ClosedCaseRating[] = [];
    let cursor: string | undefined;
    for (;;) {
      const rows = await this.db.client.case.findMany({
        where: { status: "closed" },
        select: { id: true, rating: true, closedAt: true, region: { select: { path: true } } },
        orderBy: { id: "asc" },
        take: FIGURE_PAGE,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      for (const row of rows) out.push({ rating: row.rating, regionPath: row.region?.path ?? null, closedAt: row.closedAt });
      if (rows.length < FIGURE_PAGE) return out;
      cursor = rows[rows.length - 1]?.id;
    }
  }

  /** Every stored (first) quiz answer with the path of the resident's region. */
  async listFirstQuizAnswers(): Promise<FirstQuizAnswer[]> {
    const out: FirstQuizAnswer[] = [];
    let cursor: string | undefined;
    for (;;) {
      const rows = await this.db.client.tipQuizAnswer.findMany({
        select: { id: true, residentId: true, tipId: true, correct: true, answeredAt: true, resident: { select: { region: { select: { path: true } } } } },
        orderBy: { id: "asc" },
        take: FIGURE_PAGE,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      for (const row of rows) out.push({ residentId: row.residentId, tipId: row.tipId, correct: row.correct, answeredAt: row.answeredAt, regionPath: row.resident.region?.path ?? null });
      if (rows.length < FIGURE_PAGE) return out;
      cursor = rows[rows.length - 1]?.id;
    }
  }
}
