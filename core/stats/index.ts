/**
 * Survey statistics of Anxin: rates, indices, shares, victimisation and reporting rates with
 * 95 % confidence intervals; breakdowns by region, wave, channel and survey mode with small-group
 * suppression; quality flags; target comparisons; spot-check sampling. Pure: plain data in,
 * plain data out. Formulas: `tools/expected-stats/README.md`.
 */

export * from "./types.js";
export * from "./distributions.js";
export * from "./measures.js";
export * from "./suppression.js";
export * from "./quality.js";
export * from "./groups.js";
export * from "./breakdown.js";
export * from "./targets.js";
export * from "./sampling.js";
export * from "./tally.js";
export * from "./logistic.js";
export * from "./drivers.js";
