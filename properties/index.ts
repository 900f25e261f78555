export type { KernelRule } from './rules.ts';
export { RULES, RULES_BY_NAME, ruleNamed } from './rules.ts';
export type * from './facts.ts';
