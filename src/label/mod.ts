/**
 * Labeling by people, with the model in the loop: the queues (active learning, random, second opinion,
 * disagreement), one leased post at a time per annotator, answers written as labels, and agreement.
 */
export * from "./queues.ts";
export * from "./assignments.ts";
export * from "./post_view.ts";
export * from "./agreement.ts";
