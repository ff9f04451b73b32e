// Entry point of the benchmark worker's workflows: the production ones plus the bare-Temporal
// baseline `npm run bench` compares them with. Used only when BAYAR_BENCH_BASELINE=1 (src/worker.ts).
export * from './index.js';
export { baselineWorkflow } from './baseline.workflow.js';
