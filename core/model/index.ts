/**
 * The core's model: the records it works with and the ports it needs from storage. Everything
 * here is types and a few constants; it imports nothing outside this folder.
 */
export * from "./residents.js";
export * from "./surveys.js";
export * from "./regions.js";
export * from "./turns.js";
export * from "./spot-checks.js";
export * from "./cases.js";
export * from "./outreach.js";
export * from "./field.js";
export * from "./ports.js";
export * from "./roles.js";
export * from "./alerts.js";
export * from "./subscriptions.js";
export * from "./reminders.js";
export * from "./rate-gate.js";
