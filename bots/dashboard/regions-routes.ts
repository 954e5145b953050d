/**
 * The Regions page (/admin/regions) and its forms: import a CSV or XLSX file (multipart, at most
 * {@link UPLOAD_MAX_MB} MB) and rename a region; and the tree as JSON (/admin/api/regions?under=). Both go through the admin service, which checks,
 * stores in one transaction and audits. A change answers with a redirect back to the page, which
 * shows once what it did; a refused one shows the page again with every problem and its line.
 *
 * Uploads: the multipart parser is registered in a scope of its own around the one upload route,
 * and the admin check runs on the request (`onRequest`) so that nobody else's body is ever read.
 * The CSRF token travels as a form field (before the file), checked once the body is read. Every
 * way an upload can be wrong — not multipart, no file, too large, empty, binary, an old .xls, the
 * wrong columns — ends in the page with a message, never in a 500.
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fastifyMultipart from "@fastify/multipart";
import { z } from "zod";
import type { Lang } from "../../core/engine/types.js";
import { RegionRenameError, type AdminActor } from "../../core/admin/service.js";
import { regionName } from "../../core/admin/tables.js";
import { rt } from "../../core/regions/i18n.js";
import { NAME_MAX } from "../../core/regions/plan.js";
import { issueLines, summaryLines } from "../../core/regions/report.js";
import { tokenOf } from "../../app/staff-auth.js";
import type { DashboardDeps } from "./deps.js";
import { parseInput, requestLang } from "./errors.js";
import { at } from "../../core/admin/i18n.js";
import { quotedText } from "../../core/admin/waves.js";
import { optionalText, queryLang, textParam } from "./queries.js";
import { badRequest, notFound, notFoundHtml, sendHtml } from "./replies.js";
import { regionsPage, UPLOAD_MAX_MB, type RegionsPageInput } from "./regions-page.js";
import { csrfToken, staffOf } from "./security.js";
import { waveFlashes } from "./waves-routes.js";

const renameBody = z.object({
  code: textParam(64).pipe(z.string().trim().min(1)),
  zhCN: textParam(1000).default(""),
  zhTW: textParam(1000).default(""),
  en: textParam(1000).default(""),
});

/** What the page and the JSON tree read from the query ("" counts as absent). */
const regionsQuery = z.object({ lang: optionalText, under: optionalText, edit: optionalText, done: optionalText });

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The admin a form on the Regions page acts as, for the audit log. */
function pageActor(request: FastifyRequest): AdminActor {
  return { id: staffOf(request).id, via: "dashboard" };
}

/** What an upload carried: its fields and its one file (absent when none was chosen). */
interface Upload {
  fields: Record<string, string>;
  file?: { name: string; bytes: Buffer };
}

/** Reads a multipart upload; the multipart errors (too large, too many parts …) are thrown on. */
async function readUpload(request: FastifyRequest): Promise<Upload> {
  const upload: Upload = { fields: {} };
  const parts = request.parts({ limits: { fileSize: UPLOAD_MAX_MB * 1024 * 1024, files: 1, fields: 10, parts: 12, fieldSize: 10_000 } });
  for await (const part of parts) {
    if (part.type === "file") {
      const bytes = await part.toBuffer();
      // A form sent without choosing a file still has the part, with no name and nothing in it.
      if (part.fieldname === "file" && !upload.file && (part.filename !== "" || bytes.length > 0)) upload.file = { name: part.filename, bytes };
    } else if (typeof part.value === "string") {
      upload.fields[part.fieldname] = part.value;
    }
  }
  return upload;
}

/** The multipart error codes that mean "too large" rather than "malformed". */
const TOO_LARGE = new Set(["FST_REQ_FILE_TOO_LARGE", "FST_PARTS_LIMIT", "FST_FILES_LIMIT", "FST_FIELDS_LIMIT"]);

/** Registers GET /admin/regions, POST /admin/regions/import (multipart) and POST /admin/regions/rename. */
export async function registerRegionsRoutes(app: FastifyInstance, { service, secret, admin, guarded, pageContext, reports }: DashboardDeps): Promise<void> {
  const flashes = waveFlashes();

  /** The page (null for an unknown `under`), with `extra` (a notice or an error). */
  async function pageFor(request: FastifyRequest, lang: Lang, extra: Pick<RegionsPageInput, "notice" | "error"> & { under?: string | undefined; edit?: string | undefined } = {}): Promise<string | null> {
    const tree = await service.regionTree.tree(extra.under);
    if (!tree) return null;
    const under = extra.under !== undefined ? tree[0]?.region : undefined;
    const editing = extra.edit !== undefined ? ((await service.region(extra.edit)) ?? undefined) : undefined;
    const url = `/admin/regions?lang=${lang}${extra.under ? `&under=${encodeURIComponent(extra.under)}` : ""}`;
    return regionsPage({ ...pageContext(request, lang), url }, { tree, under, editing, notice: extra.notice, error: extra.error });
  }

  const refused = async (request: FastifyRequest, reply: FastifyReply, lang: Lang, status: number, error: string[], edit?: string) =>
    sendHtml(reply, await pageFor(request, lang, { error, edit }), status);

  const afterChange = (reply: FastifyReply, lang: Lang, notice: string[], under?: string) =>
    reply.redirect(`/admin/regions?lang=${lang}${under ? `&under=${encodeURIComponent(under)}` : ""}&done=${flashes.put(notice)}`, 303);

  app.get("/admin/regions", { preHandler: admin }, async (request, reply) => {
    const q = parseInput(regionsQuery, request.query);
    const lang = queryLang(request);
    const under = q.under;
    const notice = q.done ? flashes.take(q.done) : undefined;
    const page = await pageFor(request, lang, { under, edit: q.edit, notice });
    if (!page) return notFoundHtml(reply, lang, rt(lang, "page.unknown_region", { code: under ?? "" }));
    return sendHtml(reply, page);
  });

  // The tree as JSON (what the page shows): each region with its parent and what hangs on it.
  app.get("/admin/api/regions", { preHandler: admin }, async (request, reply) => {
    const { under } = parseInput(regionsQuery, request.query);
    const tree = await service.regionTree.tree(under);
    if (!tree) return notFound(reply, at(requestLang(reply.request), "errors.no_such_region", { code: quotedText(under ?? "") }));
    const codeOf = new Map(tree.map((e) => [e.region.id, e.region.code]));
    // Only a subtree's root has its parent outside the tree.
    const root = tree[0]?.region;
    const rootParent = under && root?.parentId ? ((await service.regions()).find((r) => r.id === root.parentId)?.code ?? null) : null;
    return {
      regions: tree.map(({ region, depth, counts }) => ({
        code: region.code,
        name: region.name,
        parent: region.parentId ? (codeOf.get(region.parentId) ?? rootParent) : null,
        level: region.level,
        depth,
        residents: counts.residents,
        responses: counts.responses,
        officers: counts.officers,
        households: counts.assignments,
        suggestions: counts.suggestions,
        cases: counts.cases,
      })),
    };
  });

  app.post("/admin/regions/rename", guarded, async (request, reply) => {
    const parsed = renameBody.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const lang = queryLang(request);
    const { code, zhCN, zhTW, en } = parsed.data;
    try {
      const renamed = await service.regionTree.rename(code, { "zh-CN": zhCN, "zh-TW": zhTW, en }, pageActor(request));
      if (!renamed) return notFoundHtml(reply, lang, rt(lang, "page.unknown_region", { code }));
      reports.forget();
      return afterChange(reply, lang, [rt(lang, "page.renamed", { code, name: regionName(renamed, lang) })]);
    } catch (error) {
      if (!(error instanceof RegionRenameError)) throw error;
      const message = error.reason === "name_empty" ? rt(lang, "page.rename_empty") : rt(lang, "page.rename_too_long", { max: NAME_MAX });
      return refused(request, reply, lang, 400, [message], code);
    }
  });

  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, { limits: { fileSize: UPLOAD_MAX_MB * 1024 * 1024 } });

    scope.post("/admin/regions/import", { onRequest: admin }, async (request, reply) => {
      const lang = queryLang(request);
      const invalid = () => refused(request, reply, lang, 400, [rt(lang, "page.upload_invalid")]);
      if (!request.isMultipart()) return invalid();
      let upload: Upload;
      try {
        upload = await readUpload(request);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === "string" && TOO_LARGE.has(code)) return refused(request, reply, lang, 413, [rt(lang, "page.file_too_large", { max: UPLOAD_MAX_MB })]);
        if (typeof code === "string" && code.startsWith("FST_")) return invalid();
        // busboy's own complaints (a broken boundary, a truncated body) are malformed uploads too.
        if (error instanceof Error && /multipart|boundary|unexpected end/i.test(error.message)) return invalid();
        throw error;
      }
      // The CSRF check of the other forms (security.ts) reads a parsed body, which an upload has only now.
      if (!request.headers.authorization?.startsWith("Bearer ")) {
        const given = upload.fields._csrf ?? "";
        if (!given || !sameText(given, csrfToken(secret, tokenOf(request) ?? ""))) return reply.code(403).send({ error: "forbidden", message: "missing or wrong CSRF token" });
      }
      if (!upload.file) return refused(request, reply, lang, 400, [rt(lang, "page.upload_missing")]);
      const options = { replace: upload.fields.replace === "1", dryRun: upload.fields.dryRun === "1", source: `upload:${upload.file.name}` };
      const outcome = await service.regionTree.importFile(upload.file.bytes, options, pageActor(request));
      if (!outcome.ok) return refused(request, reply, lang, 400, issueLines(lang, outcome.issues));
      if (!outcome.dryRun) reports.forget();
      return afterChange(reply, lang, summaryLines(lang, outcome.counts, outcome.dryRun));
    });
  });
}
