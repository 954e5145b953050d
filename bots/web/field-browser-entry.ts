/**
 * The browser build for the phone page (bundled by field-bundle.ts into /field/static/engine.js):
 * the same engine and interview the server replays, and a household's QR code (the "QR left" at a
 * visit) drawn with no network either.
 */
import QRCode from "qrcode";
import { beginInterview, continueInterview } from "../../core/field/interview.js";

/** A QR code as SVG text (error correction M, as the printed leaflets use). */
function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

(globalThis as { AnxinInterview?: unknown }).AnxinInterview = { beginInterview, continueInterview, qrSvg };
