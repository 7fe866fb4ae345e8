/**
 * The statistics of feature ranking, in one import: univariate scores (separation, KS, ANOVA,
 * mutual information, AUC, Fisher), correlations, significance (permutations, FDR, bootstrap).
 *
 * May import: the stats/ modules only. Pure functions over Float64Array; NaN = missing.
 */
export * from './univariate.js';
export * from './ks.js';
export * from './mi.js';
export * from './correlation.js';
export * from './significance.js';
export { argsort, sortBinary, type SortedBinary } from './sort.js';
export { betainc, digamma, fSf, kolmogn, lgamma, smirnov } from './special.js';
